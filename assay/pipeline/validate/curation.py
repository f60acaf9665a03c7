"""Validate: one raw segment -> curated rows, quarantined rows, reports, and the accounting.

For a raw object the steps are pure functions of its bytes, its predecessor's watermark
and the signers registry, and every output is named after the segment, so re-validating
rewrites the same objects (while the registry is unchanged):

1. set aside readings whose producer_id their signing gateway may not use (``identity``),
   then drop duplicates against the predecessor's watermark (by producer_id + seq, or by
   key and event time for an unsequenced source: see ``dedup``), setting aside sequence
   resets and implausible jumps;
2. run the contract's expectation suite (Great Expectations, in ``validators``);
3. curated rows, sorted by device and time, one object per partition (``partition_by``);
4. quarantined rows with the failed rules, dimension, severity and reason per row;
5. reports: the summary (the segment's accounting), the GX result, Data Docs, scores;
6. last, the watermark after this segment (it marks the segment validated).

Which segments are pending and what precedes each is ``backlog``'s; the pipeline's own
rules (identity, sequence resets, seq jumps) are ``pipeline_rules``'.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.compute as pc

from assay.errors import AssayError
from assay.pipeline.problems import SegmentFailed
from assay.pipeline.validate.backlog import pending, pending_after, previous_segment
from assay.pipeline.validate.continuity import next_tail
from assay.pipeline.validate.dedup import Watermark, drop_duplicates
from assay.pipeline.validate.identity import judge_identity
from assay.pipeline.validate.partitions import curated_partitions
from assay.pipeline.validate.pipeline_rules import (
    SEQUENCE_RESET,
    notes,
    pipeline_rules,
    sequence_reset_rule,
    with_pipeline_rules,
)
from assay.pipeline.validate.signers import load_signers
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import HTML, PARQUET, ObjectStore
from assay.store.parquet import from_parquet, to_parquet
from schemas import Contract, reading_order, to_arrow_schema

if TYPE_CHECKING:
    from validators import ValidationOutcome

# Names other modules import from here.
__all__ = [
    "SEQUENCE_RESET",
    "Buckets",
    "OutOfOrder",
    "Summary",
    "carry_state",
    "curated_partitions",
    "curated_table",
    "pending",
    "sequence_reset_rule",
    "validate_pending",
    "validate_segment",
]


class OutOfOrder(AssayError):
    """A segment's predecessor has not been validated yet; retry after it."""

    transient = True

    def __init__(self, segment: str, predecessor: str) -> None:
        self.segment, self.predecessor = segment, predecessor
        super().__init__(
            f"{segment}: validate {predecessor} first (segments of a partition "
            "are validated in offset order)"
        )


@dataclass(frozen=True)
class Summary:
    """One segment's accounting: every reading of the raw object lands in exactly one place."""

    contract: str
    contract_version: str
    segment: str
    raw_key: str
    readings: int
    duplicates: int
    curated: int
    quarantined: int
    dead_readings: int
    warnings: int
    skipped: int = 0  # readings an operator dead-lettered instead of validating (`skip`)
    by_rule: dict[str, int] = field(default_factory=dict)
    curated_keys: list[str] = field(default_factory=list)
    quarantine_key: str | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # rules skipped, and why (bilingual)

    @property
    def balanced(self) -> bool:
        """readings = curated + quarantined + duplicates + skipped."""
        return self.readings == self.curated + self.quarantined + self.duplicates + self.skipped

    def dumps(self) -> bytes:
        """The stored form (``summary.json``)."""
        return json.dumps(asdict(self), indent=1, ensure_ascii=False, default=str).encode()

    @classmethod
    def loads(cls, data: bytes) -> Summary:
        """Parse the stored form."""
        return cls(**json.loads(data))


def validate_pending(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    partition: int,
    *,
    deadline: float | None = None,
) -> list[Summary]:
    """Validate every pending segment of one partition, in offset order (none is started
    once ``time.monotonic()`` passes ``deadline``: the next run goes on). A failure is a
    `SegmentFailed` naming the segment's start offset.

    The partition is listed once per call, not once per segment: with thousands of raw
    objects the listing had become the one cost that grew with the backlog.
    """
    done = []
    for key, before in pending_after(store, buckets, contract, partition):
        if deadline is not None and time.monotonic() >= deadline:
            break
        try:
            done.append(validate_segment(store, buckets, contract, key, previous=before))
        except Exception as exc:
            seg = layout.Segment.parse(key)
            raise SegmentFailed(seg.topic, seg.partition, seg.start, exc) from exc
    return done


class _Listing(enum.Enum):
    """`validate_segment`'s default for ``previous``: list the partition to find it."""

    LIST = "list"


def validate_segment(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    raw_key: str,
    *,
    previous: str | Literal[_Listing.LIST] | None = _Listing.LIST,
) -> Summary:
    """Validate one raw object and write everything derived from it.

    ``previous`` is the raw object before it in its partition (None for the first), when
    the caller has listed the partition already.
    """
    from validators import validate_table

    seg = layout.Segment.parse(raw_key)
    raw = from_parquet(store.get(buckets.raw, raw_key))
    meta = store.head(buckets.raw, raw_key) or {}
    if previous is _Listing.LIST:
        previous = previous_segment(store, buckets, contract, raw_key)
    before, tail = _state_before(store, buckets, contract, raw_key, previous)
    judged = judge_identity(raw, contract, load_signers(store, buckets.reports))
    deduped = drop_duplicates(judged.passing, before, seg.stem, contract)
    outcome = validate_table(contract, deduped.table, context=tail, now=_run_time(raw))
    own_rules = pipeline_rules(contract, judged.failed, deduped)
    quarantined = with_pipeline_rules(outcome.quarantined, own_rules)
    curated_keys = _write_curated(store, buckets, contract, seg, outcome.passing)
    quarantine_key = _write_quarantine(store, buckets, contract, seg, quarantined, raw_key)
    by_rule = {r.rule_id: r.failed for r in outcome.summary.rules if r.failed}
    by_rule |= {rule: rows.num_rows for rule, rows in own_rules.items() if rows.num_rows}
    summary = Summary(
        contract=contract.name,
        contract_version=contract.version,
        segment=seg.stem,
        raw_key=raw_key,
        readings=raw.num_rows,
        duplicates=deduped.dropped,
        curated=outcome.passing.num_rows,
        quarantined=quarantined.num_rows,
        dead_readings=int(meta.get("dead-readings", 0)),
        warnings=outcome.summary.warned,
        by_rule=by_rule,
        curated_keys=curated_keys,
        quarantine_key=quarantine_key,
        scores=outcome.scores.to_dict(),
        notes=notes(contract),
    )
    _write_reports(store, buckets, contract, seg, summary, outcome)
    tail_key = _tail_key(contract, raw_key)
    store.put(buckets.reports, tail_key, to_parquet(next_tail(contract, tail, outcome.passing)))
    # The watermark goes last: it marks the segment validated.
    watermark_key = layout.watermark_key(contract.name, contract.major, seg)
    store.put(
        buckets.reports, watermark_key, deduped.watermark.dumps(), content_type="application/json"
    )
    return summary


def carry_state(store: ObjectStore, buckets: Buckets, contract: Contract, raw_key: str) -> None:
    """Mark ``raw_key`` validated with the state after the segment before it unchanged: its
    device tail, then (last, as in `validate_segment`) its watermark. For a segment whose
    readings went elsewhere: the next one is checked against what was curated before it."""
    previous = previous_segment(store, buckets, contract, raw_key)
    mark, tail = _state_before(store, buckets, contract, raw_key, previous)
    if tail is not None:
        store.put(buckets.reports, _tail_key(contract, raw_key), to_parquet(tail))
    watermark_key = _watermark_key(contract, raw_key)
    store.put(buckets.reports, watermark_key, mark.dumps(), content_type="application/json")


def _watermark_key(contract: Contract, raw_key: str) -> str:
    return layout.watermark_key(contract.name, contract.major, layout.Segment.parse(raw_key))


def _tail_key(contract: Contract, raw_key: str) -> str:
    return _watermark_key(contract, raw_key).removesuffix(".watermark.json") + ".tail.parquet"


def _state_before(
    store: ObjectStore, buckets: Buckets, contract: Contract, raw_key: str, previous: str | None
) -> tuple[Watermark, pa.Table | None]:
    """The watermark and device tail after ``previous``, which must be validated."""
    if previous is None:
        return Watermark(), None
    key = _watermark_key(contract, previous)
    if store.head(buckets.reports, key) is None:
        stems = (layout.Segment.parse(k).stem for k in (raw_key, previous))
        raise OutOfOrder(*stems)
    mark = Watermark.loads(store.get(buckets.reports, key))
    tail_key = _tail_key(contract, previous)
    tail = (
        from_parquet(store.get(buckets.reports, tail_key))
        if store.head(buckets.reports, tail_key) is not None
        else None
    )
    return mark, tail


def curated_table(contract: Contract, rows: pa.Table) -> pa.Table:
    """Passing rows in the contract's schema, sorted by device and event time."""
    schema = to_arrow_schema(contract)
    table = rows.select(schema.names).sort_by([(n, "ascending") for n in reading_order(contract)])
    return table.cast(schema)


def _write_curated(
    store: ObjectStore, buckets: Buckets, contract: Contract, seg: layout.Segment, rows: pa.Table
) -> list[str]:
    if rows.num_rows == 0:
        return []
    keys = []
    for partition, part in curated_partitions(contract, curated_table(contract, rows)):
        key = layout.curated_key(contract.name, contract.major, seg, partition)
        meta = {
            "segment": seg.stem,
            "rows": str(part.num_rows),
            "partition": layout.partition_path(partition).rstrip("/"),
            "contract-version": contract.version,
        }
        store.put(
            buckets.curated, key, to_parquet(part, {"assay.segment": seg.stem}), meta, PARQUET
        )
        keys.append(key)
    return keys


def _write_quarantine(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    seg: layout.Segment,
    rows: pa.Table,
    raw_key: str,
) -> str | None:
    if rows.num_rows == 0:
        return None
    rows = rows.append_column("raw_object", pa.array([raw_key] * rows.num_rows, pa.string()))
    key = layout.quarantine_key(contract.name, contract.major, seg)
    meta = {"segment": seg.stem, "rows": str(rows.num_rows), "contract-version": contract.version}
    store.put(buckets.quarantine, key, to_parquet(rows, {"assay.segment": seg.stem}), meta, PARQUET)
    return key


def _run_time(raw: pa.Table) -> datetime:
    """When a segment's report is stamped: its latest ingest time, as a re-run stamps it too.

    A segment whose readings were all duplicates (or that has none) still has its raw
    ingest times; only one with no readings at all is stamped with the validation time,
    never 1970.
    """
    latest = (
        pc.max(raw.column("ingest_time")).as_py() if "ingest_time" in raw.column_names else None
    )
    return latest if isinstance(latest, datetime) else datetime.now(UTC)


def _write_reports(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    seg: layout.Segment,
    summary: Summary,
    outcome: ValidationOutcome,
) -> None:
    from validators import dumps_result

    prefix = layout.report_prefix(contract.name, contract.major, seg)
    files = {
        "validation.json": (dumps_result(outcome.result_json), "application/json"),
        "scores.json": (
            json.dumps(outcome.scores.to_dict(), ensure_ascii=False).encode(),
            "application/json",
        ),
        "data_docs.html": (outcome.data_docs_html.encode(), HTML),
        "summary.json": (summary.dumps(), "application/json"),
    }
    for name, (data, content_type) in files.items():
        store.put(buckets.reports, prefix + name, data, content_type=content_type)
