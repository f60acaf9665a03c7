"""A steward's decision on quarantined rows: an append-only record, and what it moves.

Deciding is a transaction of create-only writes, in this order:

1. the rows are selected (the filter, less every row an earlier decision covers: a
   decision is final, and no row is decided twice) and the record is built in memory;
   its id is its time and the sha256 of its content, so the record names itself;
2. the record is created at ``decisions/<contract>/v<major>/<id>.json`` in the quarantine
   bucket (``If-None-Match: *``): nobody writes over a decision, and a record whose bytes
   no longer hash to its name is reported by `decision_problems`;
3. for an acceptance, one curated object per curated partition,
   ``<partition folders>/accepted-<id>.parquet``, built from the record's rows alone:
   re-running `materialize` rewrites nothing and misses nothing.

Accepted rows whose identity (producer_id, seq) is already curated, or repeated among
them, are refused before step 2 and again before step 3 (`AlreadyCurated`): curated never
holds a reading twice, and the steward is told which at once, not by a later audit.

A crash after 2 leaves a decision whose objects are missing: the audit says so, and
`materialize` (``assay quarantine apply``) finishes it. The quarantine object itself is
never changed; the audit moves accepted rows from quarantined to curated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import pyarrow as pa

from assay.errors import AssayError, ObjectExists, StoreError
from assay.govern.roles import Actor, authorize
from assay.govern.triage._conflicts import already_curated
from assay.govern.triage._rows import IDENTITY, RowFilter, RowRef, refs, selected
from assay.pipeline.validate.curation import curated_table
from assay.pipeline.validate.partitions import curated_partitions
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.expiry import load_object_ledger
from assay.store.objects import PARQUET, ObjectStore
from assay.store.parquet import from_parquet, to_parquet
from schemas import Contract

Verdict = Literal["accept", "reject"]


class TriageError(AssayError):
    """A decision cannot be made: no reason, no rows left, or a record taken (``problem``)."""

    def __init__(self, problem: str, *, contract: str = "", decision: str = "") -> None:
        self.problem, self.contract, self.decision = problem, contract, decision
        super().__init__(problem)


class AlreadyCurated(TriageError):
    """Accepting these rows would curate a reading twice: ``pairs`` are the identities
    (producer_id, seq when sequenced) already curated or repeated among the rows."""

    def __init__(self, contract: str, pairs: list[tuple[object, ...]], decision: str = "") -> None:
        self.pairs = pairs
        shown = ", ".join(str(p) for p in pairs[:5]) + (" …" if len(pairs) > 5 else "")
        super().__init__(
            f"{len(pairs)} of these rows repeat a reading already curated ({shown}): "
            "accepting them would curate it twice; reject them, or narrow the filter",
            contract=contract,
            decision=decision,
        )


@dataclass(frozen=True)
class TriageDecision:
    """One decision as recorded: who, when, why, which rows, and the curated objects."""

    id: str
    contract: str
    major: int
    verdict: Verdict
    reason: str
    by: str
    role: str
    at: str
    filter: dict[str, Any]
    rows: list[RowRef]
    curated: dict[str, int] = field(default_factory=dict)  # accepted object -> rows

    def to_dict(self) -> dict[str, Any]:
        """The stored record."""
        body = {k: v for k, v in self.__dict__.items() if k != "rows"}
        return {**body, "rows": [r.to_dict() for r in self.rows]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TriageDecision:
        """Parse a stored record."""
        rows = [RowRef(**r) for r in data["rows"]]
        return cls(**{**data, "rows": rows})


def decide(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    verdict: Verdict,
    rows: RowFilter,
    reason: str,
    actor: Actor,
    at: datetime | None = None,
) -> TriageDecision:
    """Accept or reject the undecided quarantined rows a filter selects, with a reason."""
    authorize(actor, "decide")
    if not reason.strip():
        raise TriageError("a decision says why: give a reason", contract=contract.name)
    done = decided_rows(decisions(store, buckets.quarantine, contract))
    tables = [_undecided(t, done) for t in selected(store, buckets.quarantine, contract, rows)]
    table = _concat([t for t in tables if t.num_rows])
    if table is None:
        raise TriageError(f"no undecided quarantined {contract.name} rows match {rows.to_dict()}")
    moment = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    draft = TriageDecision("", contract.name, contract.major, verdict, reason, actor.name,
                           actor.role, moment, rows.to_dict(), sorted(refs(table)))  # fmt: skip
    if verdict == "accept" and (twice := already_curated(store, buckets.curated, contract, table)):
        raise AlreadyCurated(contract.name, twice)
    decision = _named(draft, table, contract)
    _record(store, buckets.quarantine, contract, decision)
    materialize(store, buckets, contract, decision)
    return decision


def _undecided(table: pa.Table, done: set[RowRef]) -> pa.Table:
    if not done:
        return table
    keep = [ref not in done for ref in refs(table)]
    return table.filter(pa.array(keep, pa.bool_()))


def _concat(tables: list[pa.Table]) -> pa.Table | None:
    return pa.concat_tables(tables, promote_options="default") if tables else None


def _named(draft: TriageDecision, table: pa.Table, contract: Contract) -> TriageDecision:
    """The decision with its id (time + digest of its content) and accepted objects."""
    digest = hashlib.sha256(_canonical(draft.to_dict())).hexdigest()[:16]
    stamp = draft.at.replace("-", "").replace(":", "")
    decision_id = f"{stamp}-{draft.verdict}-{digest}"
    curated = {}
    if draft.verdict == "accept":
        for partition, part in curated_partitions(contract, curated_table(contract, table)):
            key = layout.accepted_key(contract.name, contract.major, decision_id, partition)
            curated[key] = part.num_rows
    return TriageDecision(**{**draft.__dict__, "id": decision_id, "curated": curated})


def _canonical(body: dict[str, Any]) -> bytes:
    content = {k: v for k, v in body.items() if k not in ("id", "curated")}
    return json.dumps(content, sort_keys=True, ensure_ascii=False).encode()


def _record(store: ObjectStore, bucket: str, contract: Contract, decision: TriageDecision) -> None:
    key = layout.decision_key(contract.name, contract.major, decision.id)
    data = (json.dumps(decision.to_dict(), indent=1, ensure_ascii=False) + "\n").encode()
    try:
        created = store.create(bucket, key, data, content_type="application/json")
    except ObjectExists:
        created = False
    if not created:
        raise TriageError(f"decision {decision.id} exists already", decision=decision.id)


def materialize(
    store: ObjectStore, buckets: Buckets, contract: Contract, decision: TriageDecision
) -> list[str]:
    """Write the curated objects of an acceptance that are missing; the keys written.

    An object retention removed (in the contract's object ledger) is not missing: writing
    it again would bring back data past its retention."""
    if decision.verdict != "accept":
        return []
    expired = load_object_ledger(store, buckets.reports, contract.name, contract.major)
    missing = [
        k
        for k in decision.curated
        if expired.expired("accepted", k) is None and store.head(buckets.curated, k) is None
    ]
    if not missing:
        return []
    table = _rows_of(store, buckets.quarantine, contract, decision.rows)
    if twice := already_curated(store, buckets.curated, contract, table, decision.curated):
        raise AlreadyCurated(contract.name, twice, decision.id)
    written = []
    for partition, part in curated_partitions(contract, curated_table(contract, table)):
        key = layout.accepted_key(contract.name, contract.major, decision.id, partition)
        if key in missing:
            meta = {"decision": decision.id, "rows": str(part.num_rows),
                    "partition": layout.partition_path(partition).rstrip("/"),
                    "contract-version": contract.version}  # fmt: skip
            data = to_parquet(part, {"assay.decision": decision.id})
            store.create(buckets.curated, key, data, meta, PARQUET)
            written.append(key)
    return written


def _rows_of(store: ObjectStore, bucket: str, contract: Contract, rows: list[RowRef]) -> pa.Table:
    """The quarantined rows a decision names, read from their quarantine objects."""
    wanted = set(rows)
    tables = []
    for raw in sorted({r.raw_object for r in rows}):
        table = from_parquet(store.get(bucket, raw))
        keep = [ref in wanted for ref in refs(table.select(list(IDENTITY)))]
        tables.append(table.filter(pa.array(keep, pa.bool_())))
    return pa.concat_tables(tables, promote_options="default")


def decisions(store: ObjectStore, bucket: str, contract: Contract) -> list[TriageDecision]:
    """Every decision on a contract version, oldest first."""
    prefix = layout.decisions_prefix(contract.name, contract.major)
    found = [_load(store.get(bucket, k)) for k in store.keys(bucket, prefix) if k.endswith(".json")]
    return sorted(found, key=lambda d: d.id)


def _load(data: bytes) -> TriageDecision:
    return TriageDecision.from_dict(json.loads(data))


def decided_rows(found: Iterable[TriageDecision]) -> set[RowRef]:
    """Every row some decision covers."""
    return {row for d in found for row in d.rows}


def decision_problems(decision: TriageDecision) -> list[str]:
    """What is wrong with a stored record: its content no longer hashes to its name."""
    digest = hashlib.sha256(_canonical(decision.to_dict())).hexdigest()[:16]
    if decision.id.endswith(digest):
        return []
    return [f"decision {decision.id}: its content was changed after it was recorded"]


def read_decision(
    store: ObjectStore, bucket: str, contract: Contract, decision_id: str
) -> TriageDecision:
    """One decision by id; a `TriageError` if there is none."""
    try:
        return _load(
            store.get(bucket, layout.decision_key(contract.name, contract.major, decision_id))
        )
    except StoreError as exc:
        if exc.missing:
            raise TriageError(f"no decision {decision_id}", decision=decision_id) from exc
        raise
