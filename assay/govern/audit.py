"""The accounting invariant, proved from Kafka offsets through every object the pipeline wrote.

Per contract and partition — every partition its topic has now and every one the store names
(`assay.store.partitions`), not the count the contract created the topic with:

- the raw segments and the retention-loss records cover the Kafka offsets from 0 to the
  ingest group's committed offset without a gap or an overlap, and each segment holds as
  many records as offsets;
- no offset expired from Kafka before it was landed, unless an operator acknowledged the
  loss (`problems.Loss`): a loss is a discrepancy until someone says who accepts it and why;
- every record's readings are in the raw object or the dead-letter table;
- every validated segment's readings are curated, quarantined or dropped as duplicates (or
  dead-lettered, when an operator skipped its validation), and the curated, quarantine and
  such dead-letter objects hold exactly the rows its summary says;
- no (producer_id, seq) is curated twice.

So, for the landed and validated part of the topic:
``produced = curated + quarantined + dead-lettered + duplicates dropped``.

Retention removes old objects, never the accounting: a segment whose raw object is gone
is read from the partition's expiry ledger (its offsets, records and readings) and tiles
the offsets like a stored one; its summary stays in the reports bucket, and curated or
quarantine rows the ledger says were removed count as removed rather than missing; so do
accepted rows' curated objects in the contract's object ledger. The
readings of such segments are ``expired``, and their offset ranges are listed per
partition. A segment removed before it was validated is a discrepancy.

A steward's acceptance (`assay.govern.triage`) moves rows from quarantined to curated:
the audit counts them there (``accepted``), checks that the decision's curated objects
hold its rows, that no record was changed after it was made, and includes them in the
check that nothing is curated twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pyarrow as pa

from assay.config import Settings
from assay.pipeline import problems
from assay.pipeline.problems import Loss
from assay.pipeline.validate.curation import Buckets, Summary
from assay.pipeline.validate.dedup import duplicate_pairs
from assay.store import layout, partitions
from assay.store.expiry import Ledger, ObjectLedger, load_ledger, load_object_ledger
from assay.store.objects import ObjectStore
from assay.store.parquet import from_parquet
from schemas import Contract

#: partition -> (log start, log end, committed offset of the ingest group): every partition
#: the topic has, however many its contract created it with
OffsetsOf = Mapping[int, tuple[int, int, int | None]]


@dataclass
class Totals:
    """Readings by where they ended up."""

    produced: int = 0
    curated: int = 0
    quarantined: int = 0
    dead_lettered: int = 0
    duplicates: int = 0
    awaiting_validation: int = 0
    #: quarantined rows a steward accepted: counted in curated, not in quarantined
    accepted: int = 0
    #: quarantined rows a steward rejected (still counted in quarantined)
    rejected: int = 0
    not_landed_records: int = 0
    lost_records: int = 0
    skipped_by_operator: int = 0
    expired: int = 0

    def add(self, other: Totals) -> None:
        """Add another partition's totals."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def accounted(self) -> int:
        """Readings that reached a final place (or wait for validation)."""
        return (
            self.curated
            + self.quarantined
            + self.dead_lettered
            + self.duplicates
            + self.awaiting_validation
        )


@dataclass
class Audit:
    """The audit of one contract: totals per partition, and every discrepancy found."""

    contract: str
    partitions: dict[int, Totals] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    expired_ranges: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def totals(self) -> Totals:
        """All partitions together."""
        total = Totals()
        for part in self.partitions.values():
            total.add(part)
        return total

    @property
    def balanced(self) -> bool:
        """True when no discrepancy was found."""
        return not self.problems

    def expired_spans(self, partition: int) -> list[tuple[int, int]]:
        """The partition's expired offset ranges, adjacent ones joined (``[0,10) [10,20)`` is
        ``[0,20)``)."""
        joined: list[tuple[int, int]] = []
        for start, end in sorted(self.expired_ranges.get(partition, [])):
            if joined and joined[-1][1] == start:
                joined[-1] = (joined[-1][0], end)
            else:
                joined.append((start, end))
        return joined


def audit(
    store: ObjectStore,
    buckets: Buckets,
    deadletter_bucket: str,
    contract: Contract,
    offsets: OffsetsOf,
) -> Audit:
    """Check the invariant for every partition of a contract: each its topic has (``offsets``)
    and each the store holds anything of (`partitions.stored`), so a partition added to
    the topic counts as soon as it exists, and one the topic no longer lists still counts."""
    buckets, result = replace(buckets, deadletter=deadletter_bucket), Audit(contract.name)
    curated_keys: list[str] = []
    for partition in partitions.known(offsets, partitions.stored(store, buckets, contract)):
        position = offsets.get(partition, (0, 0, None))
        totals, keys = _partition(store, buckets, contract, partition, position, result)
        result.partitions[partition] = totals
        curated_keys += keys
    curated_keys += _decisions(store, buckets, contract, result)
    if curated_keys and (dupes := duplicate_pairs(_identity(store, buckets.curated, curated_keys))):
        result.problems.append(f"{dupes} (producer_id, seq) pairs are curated more than once")
    return result


@dataclass(frozen=True)
class _Landed:
    """One segment as landing recorded it: from its raw object, or from the expiry ledger."""

    key: str
    records: int
    readings: int
    dead: int
    skipped: bool
    expired: bool

    @classmethod
    def stored(cls, key: str, meta: dict[str, str]) -> _Landed:
        readings, dead = int(meta["readings"]), int(meta["dead-readings"])
        return cls(key, int(meta["records"]), readings, dead, bool(meta.get("skipped-by")), False)


def _partition(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    partition: int,
    offsets: tuple[int, int, int | None],
    result: Audit,
) -> tuple[Totals, list[str]]:
    low, high, committed = offsets
    ledger = load_ledger(store, buckets.reports, contract.name, contract.major, partition)
    totals, curated_keys, landed_to = Totals(), [], 0
    for start, end, key, found in _ranges(store, buckets, contract, ledger):
        where = f"partition {partition} " + (f"loss {start}-{end}" if key == "" else _stem(key))
        if start != landed_to:
            result.problems.append(_seam(partition, where, start, landed_to))
        landed_to = end
        if isinstance(found, Loss):
            _loss(found, totals, result)
            continue
        if found.records != end - start:
            result.problems.append(f"{where}: {found.records} records for offsets {start}-{end}")
        _count(found, totals)
        if found.expired:
            result.expired_ranges.setdefault(partition, []).append((start, end))
        check = _Check(store, buckets, contract, ledger, totals, result, where)
        curated_keys += check.segment(found)
    if committed is not None and landed_to != committed:
        result.problems.append(
            f"partition {partition}: committed offset {committed} but raw "
            f"segments end at {landed_to}"
        )
    resume = committed if committed is not None else landed_to
    if low > resume:
        result.problems.append(
            f"partition {partition}: offsets {resume}-{low} ({low - resume} records) expired "
            "from Kafka before they were landed (retention loss; the next ingest records it)"
        )
    totals.not_landed_records = max(0, high - max(low, resume))
    return totals, curated_keys


def _count(seg: _Landed, totals: Totals) -> None:
    totals.produced += seg.readings + seg.dead
    totals.dead_lettered += seg.dead
    totals.skipped_by_operator += seg.dead if seg.skipped else 0
    totals.expired += seg.readings + seg.dead if seg.expired else 0


def _decisions(
    store: ObjectStore, buckets: Buckets, contract: Contract, result: Audit
) -> list[str]:
    """Move accepted rows from quarantined to curated; the accepted objects' keys."""
    from assay.govern.triage import decision_problems, decisions

    keys: list[str] = []
    expired = load_object_ledger(store, buckets.reports, contract.name, contract.major)
    for decision in decisions(store, buckets.quarantine, contract):
        result.problems.extend(decision_problems(decision))
        for row in decision.rows:
            totals = result.partitions.setdefault(
                layout.Segment.parse(row.raw_object).partition, Totals()
            )
            if decision.verdict == "accept":
                totals.accepted += 1
                totals.curated += 1
                totals.quarantined -= 1
            else:
                totals.rejected += 1
        if decision.verdict == "accept":
            stored = {k: n for k, n in decision.curated.items() if not _gone(expired, k, n, result)}
            keys += _accepted_objects(store, buckets, decision.id, stored, result)
    return keys


def _gone(expired: ObjectLedger, key: str, rows: int, result: Audit) -> bool:
    """Whether retention removed an accepted object (its rows still count as curated)."""
    record = expired.expired("accepted", key)
    if record is not None and record.readings != rows:
        result.problems.append(
            f"expiry ledger: {key} removed with {record.readings} rows, not {rows}"
        )
    return record is not None


def _accepted_objects(
    store: ObjectStore, buckets: Buckets, decision: str, objects: dict[str, int], result: Audit
) -> list[str]:
    for key, rows in objects.items():
        found = (store.head(buckets.curated, key) or {}).get("rows")
        if found is None:
            missing = f"decision {decision}: curated object {key} is missing"
            result.problems.append(f"{missing}; run `assay quarantine apply`")
        elif int(found) != rows:
            result.problems.append(f"decision {decision}: {key} holds {found} rows, not {rows}")
    return [k for k in objects if store.head(buckets.curated, k) is not None]


def _ranges(
    store: ObjectStore, buckets: Buckets, contract: Contract, ledger: Ledger
) -> list[tuple[int, int, str, _Landed | Loss]]:
    """The partition's raw segments (stored, or removed and in the ledger) and loss records
    as (start, end, key, what), in offset order; a loss has no key."""
    prefix = layout.partition_prefix(contract.name, contract.major, ledger.partition)
    found: list[tuple[int, int, str, _Landed | Loss]] = []
    stored = set()
    for key in [k for k in store.keys(buckets.raw, prefix) if k.endswith(".parquet")]:
        meta = store.head(buckets.raw, key) or {}
        found.append(
            (int(meta["start-offset"]), int(meta["end-offset"]), key, _Landed.stored(key, meta))
        )
        stored.add(layout.Segment.parse(key))
    for stem, e in ledger.segments.items():
        seg = layout.Segment.parse(stem)
        if "raw" in e.layers and seg not in stored:
            gone = _Landed(stem, e.records, e.readings, e.dead_readings, bool(e.skipped_by), True)
            found.append(
                (
                    e.start_offset,
                    e.end_offset,
                    layout.raw_key(contract.name, contract.major, seg),
                    gone,
                )
            )
    for loss in problems.losses(store, buckets.raw, contract, ledger.partition):
        found.append((loss.start, loss.end, "", loss))
    return sorted(found, key=lambda r: (r[0], r[1]))


def _stem(key: str) -> str:
    return layout.Segment.parse(key).stem


def _seam(partition: int, where: str, start: int, before: int) -> str:
    if start > before:
        return (
            f"partition {partition}: offsets {before}-{start} are neither landed nor "
            "recorded as lost"
        )
    return f"{where}: starts at {start}, previous segment ended at {before}"


def _loss(loss: Loss, totals: Totals, result: Audit) -> None:
    totals.lost_records += loss.offsets
    if not loss.acknowledged:
        result.problems.append(
            f"partition {loss.partition}: offsets {loss.start}-{loss.end} ({loss.offsets} "
            f"records) expired from Kafka before they were landed (retention loss, detected "
            f"{loss.detected}); accept it with `assay ingest acknowledge-loss`"
        )


@dataclass
class _Check:
    """The checks of one segment's validation: its summary against the objects it names."""

    store: ObjectStore
    buckets: Buckets
    contract: Contract
    ledger: Ledger
    totals: Totals
    result: Audit
    where: str

    def segment(self, seg: _Landed) -> list[str]:
        """Count the segment's readings by place; the curated objects still stored."""
        stem = layout.Segment.parse(seg.key)
        prefix = layout.report_prefix(self.contract.name, self.contract.major, stem)
        data = _get(self.store, self.buckets.reports, prefix + "summary.json")
        if data is None:
            if seg.expired:
                self.result.problems.append(f"{self.where}: removed before it was validated")
            self.totals.awaiting_validation += seg.readings
            return []
        summary = Summary.loads(data)
        self.totals.curated += summary.curated
        self.totals.quarantined += summary.quarantined
        self.totals.duplicates += summary.duplicates
        self.totals.dead_lettered += (
            summary.skipped
        )  # readings whose validation an operator skipped
        self.totals.skipped_by_operator += summary.skipped
        if summary.readings != seg.readings or not summary.balanced:
            self.result.problems.append(
                f"{self.where}: {seg.readings} raw readings but summary says {summary.readings} = "
                f"{summary.curated} + {summary.quarantined} + {summary.duplicates}"
            )
        self._quarantine(summary, stem.stem)
        self._skipped(summary, stem)
        return self._curated(summary, stem.stem)

    def _skipped(self, summary: Summary, stem: layout.Segment) -> None:
        skipped = (
            _skipped_rows(self.store, self.buckets, self.contract, stem) if summary.skipped else 0
        )
        expired = self.ledger.expired(stem.stem, "deadletter") is not None
        if skipped != summary.skipped and not expired:
            self.result.problems.append(
                f"{self.where}: {summary.skipped} readings skipped by an operator, but the "
                f"dead-letter table holds {skipped} of them"
            )

    def _curated(self, summary: Summary, stem: str) -> list[str]:
        heads = {k: self.store.head(self.buckets.curated, k) for k in summary.curated_keys}
        stored = {k: m for k, m in heads.items() if m is not None}
        removed = self.ledger.expired(stem, "curated")
        rows = sum(int(m.get("rows", -1)) for m in stored.values())
        rows += removed.readings if removed else 0
        if rows != summary.curated or (len(stored) < len(heads) and removed is None):
            self.result.problems.append(
                f"{self.where}: curated objects hold {rows} rows"
                f"{' (with those removed by retention)' if removed else ''}, "
                f"summary says {summary.curated}"
            )
        return list(stored)

    def _quarantine(self, summary: Summary, stem: str) -> None:
        key = summary.quarantine_key or ""
        gone = self.ledger.expired(stem, "quarantine") is not None
        if summary.quarantined and not gone and not self.store.head(self.buckets.quarantine, key):
            self.result.problems.append(f"{self.where}: quarantine object {key} is missing")


def _skipped_rows(
    store: ObjectStore, buckets: Buckets, contract: Contract, seg: layout.Segment
) -> int:
    key = layout.skipped_key(contract.name, contract.major, seg)
    return int((store.head(buckets.deadletter, key) or {}).get("rows", 0))


def _get(store: ObjectStore, bucket: str, key: str) -> bytes | None:
    return store.get(bucket, key) if store.head(bucket, key) is not None else None


def _identity(store: ObjectStore, bucket: str, keys: list[str]) -> pa.Table:
    parts = [from_parquet(store.get(bucket, k), columns=["producer_id", "seq"]) for k in keys]
    return pa.concat_tables(parts)


def kafka_offsets(settings: Settings, topic: str, group: str) -> OffsetsOf:
    """Log start, log end and the group's committed offset of every partition the topic has
    now, read once."""
    from assay.pipeline.ingest.consumer import positions

    return positions(settings, topic, group)


def run_audit(settings: Settings, contract: Contract) -> Audit:
    """Audit a contract against the real broker and S3 server."""
    from assay.pipeline.ingest.consumer import ingest_group
    from assay.store.objects import S3Store
    from schemas import topic_name

    offsets = kafka_offsets(settings, topic_name(contract), ingest_group(contract.name))
    buckets = Buckets.from_settings(settings)
    return audit(S3Store(settings), buckets, settings.bucket_deadletter, contract, offsets)
