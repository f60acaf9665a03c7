"""Timestamps of JSON readings: read as text (or epoch numbers), converted by the contract's rule.

``pyarrow.json`` reads ``"2026-11-27T10:00:00"`` — no offset — and even a bare date into a
UTC timestamp without a word. Time is never guessed, so the decoder reads every timestamp
field as a string and converts it here, exactly:

- a value with an offset (``Z``, ``+08:00``) is an instant: it is converted to UTC;
- a value without one is a local time: it is placed in the contract's ``timezone`` when the
  contract declares one (and counted), or the reading is dead-lettered as ``naive_timestamp``;
  a local time that a daylight-saving change skips or repeats is dead-lettered too;
- a contract whose event time is ``epoch_s``, ``epoch_ms`` or ``epoch_us`` gets that field
  read as a number, rounded to the field's precision.

Any timestamp outside the years 1 to 9999 (frames included) is a type mismatch: Python,
Parquet readers and the validators cannot represent it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from assay.pipeline.ingest.deadletter import Reason, text

Problems = dict[int, tuple[Reason, str]]

PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
EPOCH_UNITS = {"epoch_s": "s", "epoch_ms": "ms", "epoch_us": "us"}
# 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since the epoch
_FIRST_S, _LAST_S = -62_135_596_800, 253_402_300_799
# ends with seconds or minutes, then an offset: a bare date is not "2026-11-27" + "-27"
_OFFSET = r":[0-9]{2}([.,][0-9]*)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$"


@dataclass(frozen=True)
class TimeRule:
    """How a contract's readings spell time (the contract's own fields, for the decoder)."""

    encoding: str = "rfc3339"
    timezone: str | None = None
    event_time: str = "event_time"


@dataclass
class Converted:
    """A block's timestamp columns in the contract's types, and what could not be converted."""

    table: pa.Table
    problems: Problems
    zoned: int = 0


def text_schema(schema: pa.Schema, rule: TimeRule) -> pa.Schema:
    """The schema ``pyarrow.json`` parses with: timestamps as text, an epoch event time as a
    number; every other field as the contract has it."""
    fields = []
    for f in schema:
        if pa.types.is_timestamp(f.type):
            epoch = f.name == rule.event_time and rule.encoding in EPOCH_UNITS
            f = f.with_type(pa.float64() if epoch else pa.string())
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def convert(table: pa.Table, schema: pa.Schema, rule: TimeRule) -> Converted:
    """Every timestamp column of ``table`` (parsed with `text_schema`) as the contract's type."""
    out = Converted(table, {})
    for f in schema:
        if not pa.types.is_timestamp(f.type):
            continue
        column = out.table.column(f.name)
        if pa.types.is_floating(column.type):
            unit = EPOCH_UNITS[rule.encoding]
            array = _from_epoch(column, f.type, unit, f.name, out.problems)
        else:
            array = _from_text(column, f.type, rule.timezone, f.name, out)
        out.table = out.table.set_column(out.table.schema.get_field_index(f.name), f, array)
    for i, problem in out_of_range(out.table, schema).items():  # "0000-01-01T00:00:00Z" parses
        out.problems.setdefault(i, problem)
    return out


def out_of_range(table: pa.Table, schema: pa.Schema) -> Problems:
    """Rows with a timestamp outside the years 1 to 9999."""
    problems: Problems = {}
    for f in schema:
        if pa.types.is_timestamp(f.type):
            numbers = pc.cast(table.column(f.name), pa.int64())
            first, last = (bound * PER_SECOND[f.type.unit] for bound in (_FIRST_S, _LAST_S))
            low, high = (bound.as_py() for bound in pc.min_max(numbers).values())
            if low is None or (first <= low and high <= last):
                continue  # the common case, settled in one pass
            inside = pc.and_(pc.greater_equal(numbers, first), pc.less_equal(numbers, last))
            for i in _false_rows(inside):
                problems.setdefault(i, (Reason.TYPE_MISMATCH, f"{f.name} is outside years 1-9999"))
    return problems


def _from_epoch(
    column: pa.ChunkedArray, type_: pa.TimestampType, unit: str, name: str, problems: Problems
) -> pa.Array:
    scale = PER_SECOND[type_.unit] / PER_SECOND[unit]
    scaled = pc.round(pc.multiply(column.combine_chunks(), pa.scalar(scale)))
    first, last = _FIRST_S * PER_SECOND[type_.unit], _LAST_S * PER_SECOND[type_.unit]
    inside = pc.and_(pc.greater_equal(scaled, first), pc.less_equal(scaled, last))  # NaN: false
    for i in _false_rows(inside):
        detail = f"{name} {column[i].as_py()!r} is not an epoch_{unit} time in years 1-9999"
        problems.setdefault(i, (Reason.TYPE_MISMATCH, detail))
    whole = pc.cast(pc.if_else(inside, scaled, None), pa.int64())
    return pc.cast(whole, type_)


def _from_text(
    column: pa.ChunkedArray, type_: pa.TimestampType, zone: str | None, name: str, out: Converted
) -> pa.Array | pa.ChunkedArray:
    try:  # the common case: every value has an offset and parses
        return pc.cast(column, type_)
    except pa.ArrowInvalid:
        pass
    values = column.combine_chunks()
    aware = pc.fill_null(pc.match_substring_regex(values, _OFFSET), False)
    nothing = pa.scalar(None, values.type)
    instants, bad = _cast_rows(pc.if_else(aware, values, nothing), type_)
    local, bad_local = _cast_rows(pc.if_else(aware, nothing, values), pa.timestamp(type_.unit))
    for i in bad + bad_local:
        detail = f"{name} {_show(values[i])} is not an RFC 3339 timestamp (precision {type_.unit})"
        out.problems.setdefault(i, (Reason.TYPE_MISMATCH, detail))
    naive = _true_rows(pc.is_valid(local))
    if not naive:
        return instants
    if zone is None:
        for i in naive:
            detail = (
                f"{name} {_show(values[i])} has no UTC offset; write Z or +hh:mm, "
                "or declare the source's `timezone:` in the contract"
            )
            out.problems.setdefault(i, (Reason.NAIVE_TIMESTAMP, detail))
        return instants
    placed, unplaced = _place(local, zone, type_, name, values, out.problems)
    out.zoned += len(naive) - unplaced
    return pc.if_else(aware, instants, placed)


def _place(
    local: pa.Array,
    zone: str,
    type_: pa.TimestampType,
    name: str,
    values: pa.Array,
    problems: Problems,
) -> tuple[pa.Array, int]:
    """Local times in ``zone`` as UTC instants, and how many could not be placed: a time a DST
    change skips or repeats has two answers (earliest, latest) and is refused, not guessed."""
    early = pc.assume_timezone(local, timezone=zone, ambiguous="earliest", nonexistent="earliest")
    late = pc.assume_timezone(local, timezone=zone, ambiguous="latest", nonexistent="latest")
    unplaced = _false_rows(pc.equal(early, late))
    for i in unplaced:
        detail = f"{name} {_show(values[i])} does not exist or is ambiguous in {zone}"
        problems.setdefault(i, (Reason.NAIVE_TIMESTAMP, detail))
    return pc.cast(early, type_), len(unplaced)


def _cast_rows(values: pa.Array, type_: pa.DataType, base: int = 0) -> tuple[pa.Array, list[int]]:
    """``values`` cast to ``type_``, with the rows that do not parse null and listed (bisected,
    so a few bad values in many cost a few casts, not one per row)."""
    try:
        return pc.cast(values, type_), []
    except pa.ArrowInvalid:
        if len(values) == 1:
            return pa.nulls(1, type_), [base]
    half = len(values) // 2
    head, bad_head = _cast_rows(values.slice(0, half), type_, base)
    tail, bad_tail = _cast_rows(values.slice(half), type_, base + half)
    return pa.concat_arrays([head, tail]), bad_head + bad_tail


def _true_rows(mask: pa.Array | pa.ChunkedArray) -> list[int]:
    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks()
    return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist() if pc.any(mask).as_py() else []


def _false_rows(mask: pa.Array | pa.ChunkedArray) -> list[int]:
    """Rows where ``mask`` is false (null is neither: a missing value has no problem)."""
    return _true_rows(pc.invert(mask))


def _show(value: pa.Scalar) -> str:
    return repr(text(value.as_py(), 80))
