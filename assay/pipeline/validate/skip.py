"""An operator's way out of a segment that keeps failing validation: dead-letter its readings.

Validation goes through a partition's segments in offset order, so one segment that fails on
every try (`assay status` lists it as a ``validate`` stall) holds back every later one.
``assay validate skip`` runs this when waiting will not help. A transaction of rewritable
steps, like landing's:

1. the segment's readings become one dead-letter object beside the segment's own
   (`layout.skipped_key`): each reading as JSON with its Kafka partition, offset, index and
   timestamp, reason ``skipped_by_operator``, who and why;
2. its ``summary.json`` says so: every reading ``skipped``, none curated, so ``assay audit``
   counts them as dead-lettered (and skipped by an operator) and still balances;
3. the state after the previous segment is carried over unchanged (device tail, then the
   watermark, which marks the segment validated), and the partition's stall is cleared.

A crash before the watermark leaves the segment pending: running the command again rewrites
the same objects. Once the watermark exists the segment is validated and a skip is refused.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from assay.errors import AssayError
from assay.pipeline import problems
from assay.pipeline.ingest import deadletter
from assay.pipeline.ingest.deadletter import DeadLetter, Reason, Record
from assay.pipeline.validate import curation
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import PARQUET, ObjectStore
from assay.store.parquet import from_parquet, to_parquet
from schemas import Contract, to_arrow_schema, topic_name


class ValidationSkipRefused(AssayError):
    """The segment asked for cannot be skipped as it stands; ``problem`` says why."""

    def __init__(self, contract: str, partition: int, offset: int, problem: str) -> None:
        self.contract, self.partition, self.offset = contract, partition, offset
        self.problem = problem
        super().__init__(f"{contract} partition {partition} segment at offset {offset}: {problem}")


def skip_segment(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    partition: int,
    offset: int,
    *,
    by: str,
    why: str,
) -> curation.Summary:
    """Dead-letter the readings of the partition's next segment to validate, which must start
    at ``offset``, and mark it validated; its summary."""
    raw_key = _next_pending(store, buckets, contract, partition, offset, by, why)
    seg = layout.Segment.parse(raw_key)
    raw = _raw(store, buckets, contract, raw_key)
    letters = skipped_letters(contract, raw, f"skipped by {by}: {why}")
    key = layout.skipped_key(contract.name, contract.major, seg)
    table = deadletter.to_table(letters)
    store.put(
        buckets.deadletter, key, to_parquet(table), _meta(seg, len(letters), by, why), PARQUET
    )
    meta = store.head(buckets.raw, raw_key) or {}
    dead = int(meta.get("dead-readings", 0))
    summary = _summary(contract, seg, raw_key, raw.num_rows, dead, _note(by, why))
    prefix = layout.report_prefix(contract.name, contract.major, seg)
    store.put(buckets.reports, prefix + "summary.json", summary.dumps(), content_type=_JSON)
    curation.carry_state(store, buckets, contract, raw_key)
    problems.clear_stall(store, buckets.reports, contract, "validate", partition)
    return summary


_JSON = "application/json"


def _next_pending(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    partition: int,
    offset: int,
    by: str,
    why: str,
) -> str:
    """The raw key of the segment to skip, or a refusal."""
    refuse = (
        "say who skips (--by) and why (--why): both are kept with the dead letters"
        if not by.strip() or not why.strip()
        else ""
    )
    pending = curation.pending(store, buckets, contract, partition)
    starts = [layout.Segment.parse(k).start for k in pending]
    if not refuse and not pending:
        refuse = "nothing is waiting for validation in this partition"
    elif not refuse and starts[0] != offset:
        refuse = f"validation goes on at the segment from offset {starts[0]}: a skip starts there"
    if refuse:
        raise ValidationSkipRefused(contract.name, partition, offset, refuse)
    return pending[0]


def _raw(store: ObjectStore, buckets: Buckets, contract: Contract, raw_key: str) -> pa.Table:
    data = store.get(buckets.raw, raw_key)
    try:
        return from_parquet(data)
    except Exception as exc:  # pyarrow's errors: the readings cannot be carried over
        seg = layout.Segment.parse(raw_key)
        problem = f"its raw object cannot be read ({type(exc).__name__}: {exc})"
        raise ValidationSkipRefused(contract.name, seg.partition, seg.start, problem) from exc


def skipped_letters(contract: Contract, raw: pa.Table, detail: str) -> list[DeadLetter]:
    """One dead letter per reading of a raw table: the reading as JSON, where it came from."""
    names = [n for n in to_arrow_schema(contract).names if n in raw.column_names]
    values = raw.select(names).to_pylist()
    where = raw.select(["kafka_partition", "kafka_offset", "kafka_index", "kafka_timestamp"])
    topic = topic_name(contract)
    letters = []
    for value, (part, offset, index, stamp) in zip(values, _rows(where), strict=True):
        record = Record(topic, part, offset, stamp, None, _json(value))
        letters.append(DeadLetter(record, Reason.SKIPPED_BY_OPERATOR, detail, 1, index))
    return letters


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    stamps = table["kafka_timestamp"].cast(pa.int64()).to_pylist()
    columns = [table[n].to_pylist() for n in table.column_names[:3]]
    return list(zip(*columns, stamps, strict=True))


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=_plain).encode()


def _plain(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _summary(
    contract: Contract, seg: layout.Segment, raw_key: str, readings: int, dead: int, note: str
) -> curation.Summary:
    return curation.Summary(
        contract=contract.name,
        contract_version=contract.version,
        segment=seg.stem,
        raw_key=raw_key,
        readings=readings,
        duplicates=0,
        curated=0,
        quarantined=0,
        dead_readings=dead,
        warnings=0,
        skipped=readings,
        notes=[note],
    )


def _note(by: str, why: str) -> str:
    return (
        f"校验被操作员跳过，读数已转入死信表 / validation skipped by an operator, readings "
        f"dead-lettered: {by}: {why} ({problems.now_iso()})"
    )


def _meta(seg: layout.Segment, rows: int, by: str, why: str) -> dict[str, str]:
    return {
        "segment": seg.stem,
        "rows": str(rows),
        "stage": "validate",
        "skipped-by": quote(by),
        "skipped-why": quote(why),
        "skipped-at": problems.now_iso(),
    }
