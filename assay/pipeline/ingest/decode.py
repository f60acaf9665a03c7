"""Kafka records -> readings in the contract's Arrow schema, or dead letters with a reason.

JSON readings are decoded in blocks: the values are joined with newlines and read by
``pyarrow.json`` against the contract's schema, which is several times faster than
parsing each message. When a block fails, it is split in halves until the bad records
stand alone and can be dead-lettered with pyarrow's own words; the good ones are kept.
Arrow frames are read whole and checked against the same schema.

Each reading keeps its provenance in ``kafka_*`` columns: partition, offset,
index within the message, Kafka timestamp and the replay flag.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from assay.pipeline.ingest.deadletter import DeadLetter, Reason, Record
from schemas import identity_fields, wire

MAX_READING_BYTES = 1 << 20
IDENTITY = ("producer_id", "seq", "device_id")
PROVENANCE = pa.schema(
    [
        ("kafka_partition", pa.int32()),
        ("kafka_offset", pa.int64()),
        ("kafka_index", pa.int32()),
        ("kafka_timestamp", pa.timestamp("ms", tz="UTC")),
        ("kafka_replay", pa.bool_()),
    ]
)


@dataclass
class Decoded:
    """Readings (contract schema plus provenance columns) and dead letters of a batch."""

    tables: list[pa.Table] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)

    def table(self, schema: pa.Schema) -> pa.Table:
        """All readings as one table, in offset order."""
        return pa.concat_tables(self.tables) if self.tables else raw_schema(schema).empty_table()

    @property
    def dead_readings(self) -> int:
        """Readings lost to dead letters (a frame counts its readings)."""
        return sum(d.readings for d in self.dead)


def raw_schema(contract_schema: pa.Schema) -> pa.Schema:
    """The raw table's schema: the contract's fields, then provenance.

    Every contract field is nullable here: a reading that lacks a required field is
    still a reading, and validation quarantines it with the completeness rule.
    """
    return pa.schema(
        [*parse_schema(contract_schema), *PROVENANCE], metadata=contract_schema.metadata
    )


def parse_schema(contract_schema: pa.Schema) -> pa.Schema:
    """The contract's schema with every field nullable, for decoding."""
    fields = [f.with_nullable(True) for f in contract_schema]
    return pa.schema(fields, metadata=contract_schema.metadata)


@dataclass(frozen=True)
class Expect:
    """What every record of a topic must say about itself."""

    contract: str
    major: int
    schema: pa.Schema


def decode(records: Iterable[Record], expect: Expect) -> Decoded:
    """Decode a batch of one topic's records, in order."""
    expect = Expect(expect.contract, expect.major, parse_schema(expect.schema))
    out = Decoded()
    for kind, run in groupby(map(_Router(expect), records), key=itemgetter(0)):
        group = list(run)
        if kind == "dead":
            out.dead.extend(letter for _, letter, _ in group)  # type: ignore[misc]
        elif kind == wire.ARROW_STREAM:
            for _, record, replay in group:
                _decode_frame(record, replay, expect.schema, out)  # type: ignore[arg-type]
        else:
            records_ = [record for _, record, _ in group]
            replays = [replay for _, _, replay in group]
            _decode_json(records_, replays, expect.schema, out)  # type: ignore[arg-type]
    return out


class _Router:
    """Routes each record by its headers: its content type, or a dead letter when it is not
    ours. What a (contract, version, content type) says is worked out once per batch, not
    once per record: a JSON segment is 50k records that almost always say the same."""

    def __init__(self, expect: Expect) -> None:
        self.expect = expect
        self._verdicts: dict[tuple[bytes | None, ...], str | tuple[Reason, str]] = {}

    def __call__(self, record: Record) -> tuple[str, Record | DeadLetter, bool]:
        # The first header of a name counts (as ``Record.header``): reversed, it is set last.
        headers = dict(reversed(record.headers)) if record.headers else {}
        key = (
            headers.get(wire.HEADER_CONTRACT),
            headers.get(wire.HEADER_VERSION),
            headers.get(wire.HEADER_CONTENT_TYPE),
        )
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._verdict(*(_text(v) for v in key))
        replay = headers.get(wire.HEADER_REPLAY) == b"1"
        if isinstance(verdict, tuple):
            return "dead", DeadLetter(record, *verdict, _readings(headers)), replay
        if not record.value:
            detail = "the message has no payload"
            return "dead", DeadLetter(record, Reason.EMPTY, detail, _readings(headers)), replay
        if verdict == wire.JSON and len(record.value) > MAX_READING_BYTES:
            detail = f"{len(record.value)} bytes; one JSON reading may have {MAX_READING_BYTES}"
            return "dead", DeadLetter(record, Reason.TOO_LARGE, detail), replay
        return verdict, record, replay

    def _verdict(
        self, contract: str | None, version: str | None, content: str | None
    ) -> str | tuple[Reason, str]:
        expect = self.expect
        if contract is not None and contract != expect.contract:
            detail = f"header says contract {contract!r}, topic is {expect.contract!r}"
            return Reason.UNKNOWN_CONTRACT, detail
        if version is not None and _int(version.split(".")[0]) != expect.major:
            detail = (
                f"contract version {version!r} is not major {expect.major} of {expect.contract}"
            )
            return Reason.UNKNOWN_VERSION, detail
        content = content or wire.JSON
        if content not in wire.CONTENT_TYPES:
            detail = f"content type {content!r} is not one of {', '.join(wire.CONTENT_TYPES)}"
            return Reason.UNKNOWN_CONTENT_TYPE, detail
        return content


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "replace")


def _readings(headers: dict[str, bytes]) -> int:
    """Readings a message says it carries (1 when it does not say)."""
    return _int(_text(headers.get(wire.HEADER_COUNT))) or 1


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


# JSON ---------------------------------------------------------------------------------
def _decode_json(
    records: list[Record], replays: list[bool], schema: pa.Schema, out: Decoded
) -> None:
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error")
    for lo, hi, result in _parse_blocks(records, options):
        if isinstance(result, pa.Table):
            _keep(result, records[lo:hi], replays[lo:hi], schema, out)
        else:
            out.dead.append(_classify(records[lo], result))


def _parse_blocks(
    records: list[Record], options: pj.ParseOptions, lo: int = 0
) -> Iterator[tuple[int, int, pa.Table | Exception]]:
    """Parse a run of records; bisect a failing run until each bad record stands alone.

    Yields each part as its range in the caller's list (``records`` starts at ``lo``).
    """
    values = [r.value for r in records if r.value]
    block = b"\n".join(values)
    if block.count(b"\n") != len(values) - 1 or b"\r" in block:
        # A raw newline in valid JSON is only ever whitespace, so it may become a space.
        values = [v.replace(b"\n", b" ").replace(b"\r", b" ") for v in values]
        block = b"\n".join(values)
    read = pj.ReadOptions(block_size=max(1 << 20, 2 * max(map(len, values))))
    try:
        table = pj.read_json(io.BytesIO(block), read_options=read, parse_options=options)
        if table.num_rows != len(records):
            raise pa.ArrowInvalid("a message holds more than one JSON value")
    except pa.ArrowInvalid as exc:
        if len(records) == 1:
            yield lo, lo + 1, exc
            return
        half = len(records) // 2
        yield from _parse_blocks(records[:half], options, lo)
        yield from _parse_blocks(records[half:], options, lo + half)
        return
    yield lo, lo + len(records), table


def _classify(record: Record, exc: Exception) -> DeadLetter:
    """The specific reason a single JSON record failed."""
    try:  # decode first: json.loads would also accept UTF-16 and UTF-32 bytes
        value = json.loads((record.value or b"").decode("utf-8"))
    except UnicodeDecodeError as err:
        return DeadLetter(record, Reason.INVALID_JSON, f"not UTF-8: {err}")
    except ValueError as err:
        return DeadLetter(record, Reason.INVALID_JSON, f"not JSON: {err}")
    if not isinstance(value, dict):
        return DeadLetter(
            record, Reason.NOT_AN_OBJECT, f"a JSON {type(value).__name__}, not an object"
        )
    text = str(exc).removeprefix("JSON parse error: ")
    if "unexpected field" in text:
        return DeadLetter(record, Reason.UNKNOWN_FIELD, f"fields not in the contract: {text}")
    return DeadLetter(record, Reason.TYPE_MISMATCH, text)


# Frames -------------------------------------------------------------------------------
def _decode_frame(record: Record, replay: bool, schema: pa.Schema, out: Decoded) -> None:
    readings = _int(record.header(wire.HEADER_COUNT)) or 1
    try:
        table = pa.ipc.open_stream(record.value).read_all()
    except (pa.ArrowInvalid, OSError) as exc:
        out.dead.append(DeadLetter(record, Reason.INVALID_FRAME, str(exc), readings))
        return
    try:
        table = table.select(schema.names).cast(schema)
    except (KeyError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        detail = f"frame schema does not match the contract: {exc}"
        out.dead.append(DeadLetter(record, Reason.FRAME_SCHEMA_MISMATCH, detail, table.num_rows))
        return
    _keep(table, [record] * table.num_rows, [replay] * table.num_rows, schema, out, frame=True)


# Both ---------------------------------------------------------------------------------
def _keep(
    table: pa.Table,
    records: list[Record],
    replays: list[bool],
    schema: pa.Schema,
    out: Decoded,
    frame: bool = False,
) -> None:
    """Add provenance, then dead-letter rows without identity or with non-finite numbers."""
    table = _with_provenance(table, records, replays, frame)
    bad = _row_problems(table, schema)
    if not bad:
        out.tables.append(table)
        return
    # Only the bad rows become Python objects, and only for frames: a whole segment's
    # to_pylist() cost seconds per NaN (6.4 s for 100k JSON readings).
    rows = dict(zip(sorted(bad), table.take(sorted(bad)).to_pylist(), strict=True)) if frame else {}
    for i, (reason, detail) in sorted(bad.items()):
        letter_record = records[i]
        if frame:  # keep the one reading, not the whole frame, as the dead value
            letter_record = _row_record(records[i], rows[i])
        out.dead.append(DeadLetter(letter_record, reason, detail, 1, i if frame else -1))
    keep = pa.array([i not in bad for i in range(table.num_rows)])
    out.tables.append(table.filter(keep))


def _with_provenance(
    table: pa.Table, records: list[Record], replays: list[bool], frame: bool
) -> pa.Table:
    n = len(records)
    columns: dict[str, pa.Array | list[object]]
    if frame and n:  # one record for every row: repeat its values in C
        record, field = records[0], PROVENANCE.field
        columns = {
            "kafka_partition": pa.repeat(pa.scalar(record.partition, field(0).type), n),
            "kafka_offset": pa.repeat(pa.scalar(record.offset, field(1).type), n),
            "kafka_index": pa.array(range(n), field(2).type),
            "kafka_timestamp": pa.repeat(pa.scalar(record.timestamp, field(3).type), n),
            "kafka_replay": pa.repeat(pa.scalar(replays[0], field(4).type), n),
        }
    else:
        columns = {
            "kafka_partition": [r.partition for r in records],
            "kafka_offset": [r.offset for r in records],
            "kafka_index": [0] * n,
            "kafka_timestamp": [r.timestamp for r in records],
            "kafka_replay": replays,
        }
    for name, values in columns.items():
        field_ = PROVENANCE.field(name)
        column = values if isinstance(values, pa.Array) else pa.array(values, field_.type)
        table = table.append_column(field_, column)
    return table


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


def _row_record(record: Record, row: dict[str, object]) -> Record:
    value = json.dumps(row, default=str).encode()
    return Record(
        record.topic,
        record.partition,
        record.offset,
        record.timestamp,
        record.key,
        value,
        record.headers,
    )
