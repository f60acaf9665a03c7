"""Kafka records -> readings in the contract's Arrow schema, or dead letters with a reason.

Decoding is total: no bytes and no headers make `decode` raise. Each record is routed by
its headers — none at all is normal: plain JSON from a foreign producer is decoded by its
topic's contract — then decoded with its neighbours of the same kind: JSON readings in
blocks (`_json`), Arrow frames one at a time within a budget (`_frames`). Should anything
raise all the same (a bug, MemoryError, RecursionError), the run is bisected until the
record that raised stands alone; it becomes a ``decoder_error`` dead letter carrying the
exception's text and the rest of the segment lands. So every record is accounted for
exactly once: its readings are rows (by ``kafka_offset``, a frame's by ``kafka_index``), or
it is in one dead letter.

Time is never guessed (`_times`): a timestamp needs an offset unless the contract declares
the source's ``timezone``, and an epoch event time is read as the number it is.
``ingest_time``, when a reading lacks it, is the Kafka record's timestamp: the pipeline's
own knowledge of when the reading was accepted. Unknown fields are rejected by name, or
dropped and counted when the contract says ``unknown_fields: drop``.

Each reading keeps its provenance in ``kafka_*`` columns: partition, offset,
index within the message, Kafka timestamp, the replay flag, and who signed the record with
whether the signature holds (``schemas.signature``; checked here, where the record's bytes
and headers still exist, and judged in validation).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import groupby
from operator import itemgetter

import pyarrow as pa

from assay.pipeline.ingest import _json, _times
from assay.pipeline.ingest._frames import MAX_FRAME_ROWS, FrameError, read_frame
from assay.pipeline.ingest._rows import PROVENANCE, Marks, keep
from assay.pipeline.ingest._times import TimeRule
from assay.pipeline.ingest.deadletter import DeadLetter, Reason, Record, text
from schemas import Contract, to_arrow_schema, wire
from schemas.signature import UNSIGNED, KeyLookup, verify

__all__ = [
    "MAX_READING_BYTES",
    "Decoded",
    "Expect",
    "carried",
    "decode",
    "parse_schema",
    "raw_schema",
]

MAX_READING_BYTES = 1 << 20
MAX_NOTED = 10  # names or frames listed in one metadata entry (S3 metadata is small)


@dataclass
class Decoded:
    """Readings (contract schema plus provenance columns) and dead letters of a batch, with
    what the segment's metadata should say about them (see `metadata`)."""

    tables: list[pa.Table] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    dropped_fields: Counter[str] = field(default_factory=Counter)  # name -> readings
    timezone_converted: int = 0  # timestamp values placed in the contract's timezone
    count_mismatches: list[tuple[int, int, int]] = field(default_factory=list)

    def table(self, schema: pa.Schema) -> pa.Table:
        """All readings as one table, in offset order."""
        return pa.concat_tables(self.tables) if self.tables else raw_schema(schema).empty_table()

    @property
    def dead_readings(self) -> int:
        """Readings lost to dead letters (a frame counts its readings)."""
        return sum(d.readings for d in self.dead)

    def add(self, other: Decoded) -> None:
        """Append a later part of the batch."""
        self.tables += other.tables
        self.dead += other.dead
        self.dropped_fields.update(other.dropped_fields)
        self.timezone_converted += other.timezone_converted
        self.count_mismatches += other.count_mismatches

    def metadata(self) -> dict[str, str]:
        """Segment-level notes for the raw object, short and ASCII: fields dropped (name ->
        readings), timestamps placed in the contract's zone, and frames whose ``count``
        header disagreed with their rows (``offset:declared:held``)."""
        meta: dict[str, str] = {}
        if self.dropped_fields:
            top = {text(k, 64): n for k, n in self.dropped_fields.most_common(MAX_NOTED)}
            if (more := len(self.dropped_fields) - MAX_NOTED) > 0:
                top[f"({more} more)"] = sum(self.dropped_fields.values()) - sum(top.values())
            meta["dropped-fields"] = json.dumps(top, ensure_ascii=True, separators=(",", ":"))
        if self.timezone_converted:
            meta["timezone-converted"] = str(self.timezone_converted)
        if mismatches := self.count_mismatches:
            noted = " ".join(f"{o}:{d}:{h}" for o, d, h in mismatches[:MAX_NOTED])
            more = len(mismatches) - MAX_NOTED
            meta["count-mismatches"] = noted + (f" ({more} more)" if more > 0 else "")
        return meta


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
    """What every record of a topic must say about itself, and how its readings are spelt."""

    contract: str
    major: int
    schema: pa.Schema
    unknown_fields: str = "reject"  # or "drop"
    times: TimeRule = field(default_factory=TimeRule)
    keys: KeyLookup = field(default=lambda _: None)  # signers' keys; none: no signature holds

    @classmethod
    def of(cls, contract: Contract, keys: KeyLookup | None = None) -> Expect:
        """What a contract's topic carries; ``keys`` gives each signer's key."""
        times = TimeRule(contract.event_time_encoding, contract.timezone, contract.event_time)
        schema = to_arrow_schema(contract)
        expect = cls(contract.name, contract.major, schema, contract.unknown_fields, times)
        return expect if keys is None else replace(expect, keys=keys)


@dataclass(frozen=True)
class _Plan:
    """An `Expect` worked out once per batch."""

    expect: Expect
    schema: pa.Schema  # every field nullable
    json: _json.JsonPlan
    drop: bool

    @classmethod
    def of(cls, expect: Expect) -> _Plan:
        schema, drop = parse_schema(expect.schema), expect.unknown_fields == "drop"
        json_plan = _json.JsonPlan(_times.text_schema(schema, expect.times), drop)
        return cls(replace(expect, schema=schema), schema, json_plan, drop)


# (kind, or "dead"; the record, or its dead letter; its marks)
_Routed = tuple[str, Record | DeadLetter, Marks]

# What the router reads for every record (50k a segment), bound once: no attribute lookups.
_CONTRACT, _VERSION, _CONTENT_TYPE = (
    wire.HEADER_CONTRACT,
    wire.HEADER_VERSION,
    wire.HEADER_CONTENT_TYPE,
)
_REPLAY, _SIGNER, _SIGNATURE = wire.HEADER_REPLAY, wire.HEADER_SIGNER, wire.HEADER_SIGNATURE
_JSON, _JSON_BYTES = wire.JSON, wire.JSON.encode()
_REPLAYED, _FIRST_SENT = Marks(True, *UNSIGNED), Marks(False, *UNSIGNED)  # shared: immutable
_NO_PAYLOAD = "the message has no payload"


def decode(records: Iterable[Record], expect: Expect) -> Decoded:
    """Decode a batch of one topic's records, in order. Never raises: see the module doc."""
    plan = _Plan.of(expect)
    router, out = _Router(plan.expect), Decoded()
    for kind, run in groupby(map(router, records), key=itemgetter(0)):
        group = list(run)
        if kind == "dead":
            out.dead.extend(letter for _, letter, _ in group)  # type: ignore[misc]
        elif kind == wire.ARROW_STREAM:
            for item in group:
                out.add(_guarded([item], plan))
        else:
            out.add(_guarded(group, plan))
    out.dead.sort(key=lambda d: (d.record.offset, d.index))
    return out


def _guarded(items: list[_Routed], plan: _Plan) -> Decoded:
    """Decode a run of one kind; if it raises, bisect until the record that raised is alone."""
    part = Decoded()
    try:
        if items[0][0] == wire.ARROW_STREAM:
            _decode_frame(items[0], plan, part)  # type: ignore[arg-type]
        else:
            _decode_json(items, plan, part)
        return part
    except Exception as exc:
        if len(items) == 1:
            record: Record = items[0][1]  # type: ignore[assignment]
            readings = _declared(record) or 1 if items[0][0] == wire.ARROW_STREAM else 1
            letter = DeadLetter(record, Reason.DECODER_ERROR, _json.describe(exc), readings)
            return Decoded(dead=[letter])
    half = len(items) // 2
    out = _guarded(items[:half], plan)
    out.add(_guarded(items[half:], plan))
    return out


class _Router:
    """Routes each record by its headers: its content type, or a dead letter when it is not
    ours. What a (contract, version, content type) says is worked out once per batch, not
    once per record: a JSON segment is 50k records that almost always say the same."""

    def __init__(self, expect: Expect) -> None:
        self.expect = expect
        self._verdicts: dict[tuple[bytes | None, ...], str | tuple[Reason, str]] = {}

    def __call__(self, record: Record) -> _Routed:
        try:
            return self._route(record)
        except Exception as exc:  # headers of a shape no client sends: this record only
            letter = DeadLetter(record, Reason.DECODER_ERROR, _json.describe(exc))
            return "dead", letter, _FIRST_SENT

    def _route(self, record: Record) -> _Routed:
        # The first header of a name counts (as ``Record.header``): reversed, it is set last.
        headers = dict(reversed(record.headers)) if record.headers else {}
        key = (headers.get(_CONTRACT), headers.get(_VERSION), headers.get(_CONTENT_TYPE))
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._verdict(*(_text(v) for v in key))
        marks = _REPLAYED if headers.get(_REPLAY) == b"1" else _FIRST_SENT  # dead: unchecked
        value = record.value
        if verdict == _JSON:  # the usual record: the checks of a JSON reading, in order
            if not value:
                return "dead", DeadLetter(record, Reason.EMPTY, _NO_PAYLOAD, 1), marks
            if len(value) > MAX_READING_BYTES:
                detail = f"{len(value)} bytes; one JSON reading may have {MAX_READING_BYTES}"
                return "dead", DeadLetter(record, Reason.TOO_LARGE, detail), marks
        elif isinstance(verdict, tuple):
            readings = 1 if key[2] in (None, _JSON_BYTES) else _declared(record) or 1
            return "dead", DeadLetter(record, *verdict, readings), marks
        elif not value:
            readings = _declared(record) or 1 if verdict == wire.ARROW_STREAM else 1
            return "dead", DeadLetter(record, Reason.EMPTY, _NO_PAYLOAD, readings), marks
        if _SIGNER not in headers and _SIGNATURE not in headers:
            return verdict, record, marks  # unsigned: nothing to verify
        return verdict, record, _marks(record, marks.replay, self.expect.keys)

    def _verdict(
        self, contract: str | None, version: str | None, content: str | None
    ) -> str | tuple[Reason, str]:
        expect = self.expect
        if contract is not None and contract != expect.contract:
            detail = f"header says contract {text(contract, 100)!r}, topic is {expect.contract!r}"
            return Reason.UNKNOWN_CONTRACT, detail
        if version is not None and _int(version.split(".")[0]) != expect.major:
            detail = (
                f"contract version {text(version, 100)!r} is not major {expect.major} "
                f"of {expect.contract}"
            )
            return Reason.UNKNOWN_VERSION, detail
        content = content or wire.JSON
        if content not in wire.CONTENT_TYPES:
            detail = (
                f"content type {text(content, 100)!r} is not one of {', '.join(wire.CONTENT_TYPES)}"
            )
            return Reason.UNKNOWN_CONTENT_TYPE, detail
        return content


def _marks(record: Record, replay: bool, keys: KeyLookup) -> Marks:
    """The replay flag and the signature verdict of a record that may become readings."""
    return Marks(replay, *verify(keys, record.topic, record.key, record.headers, record.value))


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "replace")


def carried(record: Record) -> int:
    """Readings a record counts for when it is dead-lettered whole: one for JSON (or no
    content type), a frame's clamped ``count`` header (1 without one), as `decode` counts."""
    content = record.header(wire.HEADER_CONTENT_TYPE)
    return 1 if content in (None, wire.JSON) else _declared(record) or 1


def _declared(record: Record) -> int | None:
    """Readings a message says it carries, clamped to 1..`MAX_FRAME_ROWS`; None when it does
    not say so as a number."""
    count = _int(record.header(wire.HEADER_COUNT))
    return None if count is None else min(max(count, 1), MAX_FRAME_ROWS)


def _int(text_: str | None) -> int | None:
    try:
        return int(text_) if text_ is not None else None
    except ValueError:
        return None


# JSON ---------------------------------------------------------------------------------
def _decode_json(items: list[_Routed], plan: _Plan, out: Decoded) -> None:
    records: list[Record] = [record for _, record, _ in items]  # type: ignore[misc]
    marks = [m for _, _, m in items]
    for part in _json.parse(records, plan.json):
        if part.dead is not None:
            out.dead.append(part.dead)
            continue
        converted = _times.convert(part.table, plan.schema, plan.expect.times)
        out.dropped_fields.update(part.dropped)
        out.timezone_converted += converted.zoned
        lo, hi = part.lo, part.hi
        kept = keep(converted.table, records[lo:hi], marks[lo:hi], plan.schema, converted.problems)
        _add(out, kept)


# Frames -------------------------------------------------------------------------------
def _decode_frame(item: tuple[str, Record, Marks], plan: _Plan, out: Decoded) -> None:
    _, record, mark = item
    declared = _declared(record)
    try:
        frame = read_frame(record.value or b"", plan.schema, declared, plan.drop)
    except FrameError as exc:
        out.dead.append(DeadLetter(record, exc.reason, exc.detail, declared or 1))
        return
    n = frame.table.num_rows
    if declared is not None and n != declared:
        out.count_mismatches.append((record.offset, declared, n))
    out.dropped_fields.update(frame.dropped)
    problems = _times.out_of_range(frame.table, plan.schema)
    _add(out, keep(frame.table, [record] * n, [mark] * n, plan.schema, problems, frame=True))


def _add(out: Decoded, kept: tuple[pa.Table, list[DeadLetter]]) -> None:
    out.tables.append(kept[0])
    out.dead += kept[1]
