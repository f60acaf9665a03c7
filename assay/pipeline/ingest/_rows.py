"""Rows that become readings: provenance added, missing ingest times filled, and the rows
that cannot be readings (no identity, a non-finite number, a time problem found while
converting) dead-lettered one by one while the rest of their block lands."""

from __future__ import annotations

import json
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from assay.pipeline.ingest.deadletter import DeadLetter, Reason, Record
from schemas import identity_fields

INGEST_TIME = "ingest_time"
PROVENANCE = pa.schema(
    [
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("kafka_index", pa.int32()),
        ("kafka_timestamp", pa.timestamp("ms", tz="UTC")),
        ("kafka_replay", pa.bool_()),
        ("kafka_signer", pa.string()),  # the principal named in the signer header
        ("kafka_signature_valid", pa.bool_()),  # null: unsigned
    ]
)


class Marks(NamedTuple):
    """What a record's headers say about all its readings: replay, signer, signature holds."""

    replay: bool
    signer: str | None
    valid: bool | None


def keep(
    table: pa.Table,
    records: list[Record],
    marks: list[Marks],
    schema: pa.Schema,
    problems: dict[int, tuple[Reason, str]],
    frame: bool = False,
) -> tuple[pa.Table, list[DeadLetter]]:
    """Add provenance and missing ingest times, then dead-letter the rows that cannot be
    readings: a time problem found before, no identity, or a non-finite number."""
    table = pa.Table.from_arrays(table.columns, schema=schema)
    table = _fill_ingest_time(_with_provenance(table, records, marks, frame))
    bad = dict(problems)
    for i, problem in _row_problems(table, schema).items():
        bad.setdefault(i, problem)
    if not bad:
        return table, []
    # Only the bad rows become Python objects, and only for frames: a whole segment's
    # to_pylist() cost seconds per NaN (6.4 s for 100k JSON readings).
    rows = dict(zip(sorted(bad), _pylist(table.take(sorted(bad))), strict=True)) if frame else {}
    dead = []
    for i, (reason, detail) in sorted(bad.items()):
        letter_record = records[i]
        if frame:  # keep the one reading, not the whole frame, as the dead value
            letter_record = _row_record(records[i], rows[i])
        dead.append(DeadLetter(letter_record, reason, detail, 1, i if frame else -1))
    kept = pa.array([i not in bad for i in range(table.num_rows)])
    return table.filter(kept), dead


def _with_provenance(
    table: pa.Table, records: list[Record], marks: list[Marks], frame: bool
) -> pa.Table:
    n = len(records)
    columns: dict[str, pa.Array | list[object]]
    if frame and n:  # one record for every row: repeat its values in C
        record, field_ = records[0], PROVENANCE.field
        columns = {
            "kafka_partition": pa.repeat(pa.scalar(record.partition, field_(0).type), n),
            "kafka_offset": pa.repeat(pa.scalar(record.offset, field_(1).type), n),
            "kafka_index": pa.array(range(n), field_(2).type),
            "kafka_timestamp": pa.repeat(pa.scalar(record.timestamp, field_(3).type), n),
            "kafka_replay": pa.repeat(pa.scalar(marks[0].replay, field_(4).type), n),
            "kafka_signer": pa.repeat(pa.scalar(marks[0].signer, field_(5).type), n),
            "kafka_signature_valid": pa.repeat(pa.scalar(marks[0].valid, field_(6).type), n),
        }
    else:
        columns = {
            "kafka_partition": [r.partition for r in records],
            "kafka_offset": [r.offset for r in records],
            "kafka_index": [0] * n,
            "kafka_timestamp": [r.timestamp for r in records],
            "kafka_replay": [m.replay for m in marks],
            "kafka_signer": [m.signer for m in marks],
            "kafka_signature_valid": [m.valid for m in marks],
        }
    for name, values in columns.items():
        provenance = PROVENANCE.field(name)
        column = values if isinstance(values, pa.Array) else pa.array(values, provenance.type)
        table = table.append_column(provenance, column)
    return table


def _fill_ingest_time(table: pa.Table) -> pa.Table:
    """A reading without ``ingest_time`` gets its Kafka record's timestamp (when it has one:
    Kafka says -1 when no client or broker stamped the record)."""
    index = table.schema.get_field_index(INGEST_TIME)
    if index < 0 or not table.column(index).null_count:
        return table
    ingest = table.schema.field(index)
    stamped = table["kafka_timestamp"]
    known = pc.greater_equal(pc.cast(stamped, pa.int64()), 0)
    fill = pc.if_else(known, pc.cast(stamped, ingest.type), pa.scalar(None, ingest.type))
    return table.set_column(index, ingest, pc.coalesce(table.column(index), fill))


def _row_problems(table: pa.Table, schema: pa.Schema) -> dict[int, tuple[Reason, str]]:
    """Row index -> why it cannot be a reading (missing identity, NaN or infinity)."""
    bad: dict[int, tuple[Reason, str]] = {}
    for name in reversed(identity_fields(schema)):
        for i in _true_rows(pc.is_null(table[name])):
            bad[i] = (Reason.MISSING_KEY, f"{name} is missing; it identifies the reading")
    for f in schema:
        if pa.types.is_floating(f.type):
            column = table[f.name]
            finite = pc.fill_null(pc.is_finite(column), True)
            for i in _true_rows(pc.invert(finite)):
                bad.setdefault(i, (Reason.NON_FINITE, f"{f.name} is {table[f.name][i].as_py()}"))
    return bad


def _true_rows(mask: pa.ChunkedArray) -> list[int]:
    return pc.indices_nonzero(mask.combine_chunks()).to_pylist() if pc.any(mask).as_py() else []


def _pylist(rows: pa.Table) -> list[dict[str, object]]:
    """Rows as Python dicts; a timestamp Python cannot hold (year 10000 and later) as its
    number since the epoch."""
    try:
        return rows.to_pylist()
    except (ValueError, OverflowError):
        numbers = [c.cast(pa.int64()) if pa.types.is_timestamp(c.type) else c for c in rows.columns]
        return pa.Table.from_arrays(numbers, names=rows.column_names).to_pylist()


def _row_record(record: Record, row: dict[str, object]) -> Record:
    value = json.dumps(row, default=str).encode()
    return record._replace(value=value)
