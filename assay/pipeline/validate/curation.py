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
rules (identity, sequence resets, seq jumps) are ``pipeline_rules``'; validating several
segments in one Great Expectations run, with the same outputs, is ``grouped``'s.
"""

from __future__ import annotations

import enum
import json
import logging
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
from assay.pipeline.validate.dedup import Deduplicated, Watermark, drop_duplicates
from assay.pipeline.validate.grouped import GROUP_READINGS, next_group, same_tail, validate_group
from assay.pipeline.validate.identity import judge_identity
from assay.pipeline.validate.outputs import (
    curated_table,
    write_curated,
    write_quarantine,
    write_reports,
)
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
from assay.store.objects import ObjectStore
from assay.store.parquet import from_parquet, to_parquet
from schemas import Contract

if TYPE_CHECKING:
    from validators import ValidationOutcome

log = logging.getLogger(__name__)

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
    group_readings: int = GROUP_READINGS,
) -> list[Summary]:
    """Validate every pending segment of one partition, in offset order (no group is started
    once ``time.monotonic()`` passes ``deadline``: the next run goes on). A failure is a
    `SegmentFailed` naming the segment's start offset.

    Consecutive segments of up to ``group_readings`` readings in all are validated together,
    with one Great Expectations run (``grouped``); every output is the one a segment gets
    validated alone. The partition is listed once per call, not once per segment: with
    thousands of raw objects the listing had become the one cost that grew with the backlog.
    """
    done: list[Summary] = []
    todo = pending_after(store, buckets, contract, partition)
    while todo and (deadline is None or time.monotonic() < deadline):
        group = next_group(store, buckets, todo, group_readings)
        todo = todo[len(group) :]
        done += _validate_group(store, buckets, contract, group)
    return done


def _validate_group(
    store: ObjectStore, buckets: Buckets, contract: Contract, group: list[tuple[str, str | None]]
) -> list[Summary]:
    """One group's segments validated together; on any failure before the first write, one
    by one instead, so that the failure names its own segment."""
    if len(group) > 1:
        try:
            loaded, tail = _load_group(store, buckets, contract, group)
            batches = [(item.deduped.table, item.now) for item in loaded]
            assumed, outcomes = validate_group(contract, batches, tail)
        except Exception as exc:  # the exact path below meets it again and names its segment
            log.warning("validating %d segments together failed (%r): one by one", len(group), exc)
        else:
            validated = list(zip(assumed, outcomes, strict=True))
            return _write_group(store, buckets, contract, loaded, tail, validated)
    return [_one(store, buckets, contract, key, before) for key, before in group]


def _one(
    store: ObjectStore, buckets: Buckets, contract: Contract, key: str, before: str | None
) -> Summary:
    try:
        return validate_segment(store, buckets, contract, key, previous=before)
    except Exception as exc:
        seg = layout.Segment.parse(key)
        raise SegmentFailed(seg.topic, seg.partition, seg.start, exc) from exc


def _load_group(
    store: ObjectStore, buckets: Buckets, contract: Contract, group: list[tuple[str, str | None]]
) -> tuple[list[_Loaded], pa.Table | None]:
    """The group's segments read and deduplicated in order, and the tail before the first."""
    mark, tail = _state_before(store, buckets, contract, *group[0])
    signers = load_signers(store, buckets.reports)
    loaded = []
    for key, _ in group:
        loaded.append(_load(store, buckets, contract, key, mark, signers))
        mark = Watermark.loads(loaded[-1].deduped.watermark.dumps())  # as the next one reads it
    return loaded, tail


def _write_group(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    loaded: list[_Loaded],
    tail: pa.Table | None,
    validated: list[tuple[pa.Table | None, ValidationOutcome]],
) -> list[Summary]:
    """Each segment's outputs in offset order, carrying the real tail; a segment whose tail
    was assumed wrongly is validated again, alone, from the real one (``grouped``)."""
    from validators import validate_table

    summaries = []
    for item, (assumed, outcome) in zip(loaded, validated, strict=True):
        seg = item.seg
        try:
            if not same_tail(assumed, tail):
                outcome = validate_table(contract, item.deduped.table, context=tail, now=item.now)
            summary, tail = _write(store, buckets, contract, item, outcome, tail)
        except Exception as exc:
            raise SegmentFailed(seg.topic, seg.partition, seg.start, exc) from exc
        summaries.append(summary)
    return summaries


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

    if previous is _Listing.LIST:
        previous = previous_segment(store, buckets, contract, raw_key)
    before, tail = _state_before(store, buckets, contract, raw_key, previous)
    signers = load_signers(store, buckets.reports)
    item = _load(store, buckets, contract, raw_key, before, signers)
    outcome = validate_table(contract, item.deduped.table, context=tail, now=item.now)
    return _write(store, buckets, contract, item, outcome, tail)[0]


@dataclass(frozen=True)
class _Loaded:
    """A raw segment read, its identities judged and its duplicates dropped: what is left
    to validate, and what its summary needs of the raw object."""

    seg: layout.Segment
    raw_key: str
    readings: int
    dead_readings: int
    now: datetime  # the report's time (`_run_time`)
    identity_failed: pa.Table
    deduped: Deduplicated


def _load(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    raw_key: str,
    before: Watermark,
    signers: Any,
) -> _Loaded:
    seg = layout.Segment.parse(raw_key)
    raw = from_parquet(store.get(buckets.raw, raw_key))
    meta = store.head(buckets.raw, raw_key) or {}
    judged = judge_identity(raw, contract, signers)
    deduped = drop_duplicates(judged.passing, before, seg.stem, contract)
    dead = int(meta.get("dead-readings", 0))
    stamp = _run_time(raw) or _dead_letter_time(store, buckets, contract, seg)
    return _Loaded(seg, raw_key, raw.num_rows, dead, stamp, judged.failed, deduped)


def _write(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    item: _Loaded,
    outcome: ValidationOutcome,
    tail: pa.Table | None,
) -> tuple[Summary, pa.Table]:
    """Everything derived from one validated segment, its watermark last; the summary and
    the tail after it, as the next segment reads it back."""
    seg, deduped = item.seg, item.deduped
    own_rules = pipeline_rules(contract, item.identity_failed, deduped)
    quarantined = with_pipeline_rules(outcome.quarantined, own_rules)
    curated_keys = write_curated(store, buckets, contract, seg, outcome.passing)
    quarantine_key = write_quarantine(store, buckets, contract, seg, quarantined, item.raw_key)
    by_rule = {r.rule_id: r.failed for r in outcome.summary.rules if r.failed}
    by_rule |= {rule: rows.num_rows for rule, rows in own_rules.items() if rows.num_rows}
    summary = Summary(
        contract=contract.name,
        contract_version=contract.version,
        segment=seg.stem,
        raw_key=item.raw_key,
        readings=item.readings,
        duplicates=deduped.dropped,
        curated=outcome.passing.num_rows,
        quarantined=quarantined.num_rows,
        dead_readings=item.dead_readings,
        warnings=outcome.summary.warned,
        by_rule=by_rule,
        curated_keys=curated_keys,
        quarantine_key=quarantine_key,
        scores=outcome.scores.to_dict(),
        notes=notes(contract),
    )
    write_reports(store, buckets, contract, seg, summary.dumps(), outcome)
    after = to_parquet(next_tail(contract, tail, outcome.passing))
    store.put(buckets.reports, _tail_key(contract, item.raw_key), after)
    # The watermark goes last: it marks the segment validated.
    watermark_key = layout.watermark_key(contract.name, contract.major, seg)
    store.put(
        buckets.reports, watermark_key, deduped.watermark.dumps(), content_type="application/json"
    )
    return summary, from_parquet(after)


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


def _run_time(raw: pa.Table) -> datetime | None:
    """When a segment's report is stamped: its latest ingest time, as a re-run stamps it too
    (a segment whose readings were all duplicates still has its raw ingest times)."""
    latest = (
        pc.max(raw.column("ingest_time")).as_py() if "ingest_time" in raw.column_names else None
    )
    return latest if isinstance(latest, datetime) else None


def _dead_letter_time(
    store: ObjectStore, buckets: Buckets, contract: Contract, seg: layout.Segment
) -> datetime:
    """The stamp of a segment without readings: its dead letters' latest Kafka timestamp, so
    a retried task rewrites the same report; the validation time only when it has none
    either (never 1970)."""
    key = layout.deadletter_key(contract.name, contract.major, seg)
    if store.head(buckets.deadletter, key) is not None:
        letters = from_parquet(store.get(buckets.deadletter, key))
        if "kafka_timestamp" in letters.column_names:
            latest = pc.max(letters.column("kafka_timestamp")).as_py()
            if isinstance(latest, datetime):
                return latest
    return datetime.now(UTC)
