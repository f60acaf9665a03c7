"""Arrow frames, read within a budget: nothing is allocated that the record's bytes do not hold.

A frame is an Arrow IPC stream, and a stream can promise more than it carries: 10^8 rows
of null-typed columns in a few bytes, a compressed body that inflates 15 KB into 272 MB, or
a buffer length prefix patched to ask for gigabytes. So the stream is read message by message:

1. the schema comes first and must be the contract's, column for column and type for type
   (no null, dictionary or run-end-encoded column can then appear); with
   ``unknown_fields: drop`` extra columns are allowed and dropped, if of plain types;
2. each record batch's metadata is read before its body: a compressed body is refused
   (Kafka compresses the record batch already), the declared rows must fit what is left of
   the budget (the ``count`` header, else `MAX_FRAME_ROWS`), every buffer must lie
   inside the body that arrived, and a frame holds at most `MAX_FRAME_BATCHES`;
3. only then is the batch read — zero-copy, as views of the record's bytes — and validated
   in full (offsets, UTF-8), before any column is touched.

The metadata is a FlatBuffer (Arrow's ``format/Message.fbs``); the few fields needed are
read by `_Flat`, with every position checked against the metadata's size.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from assay.pipeline.ingest.deadletter import Reason, text

MAX_FRAME_ROWS = 1 << 20
MAX_FRAME_BATCHES = 1024  # each costs a few objects: 16 MB of empty batches would cost GBs
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OSError)


class FrameError(Exception):
    """A frame that cannot become readings: the reason code and the detail."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, text(detail, 1000) or ""


@dataclass
class Frame:
    """A frame's readings in the contract's columns, and the columns dropped from it."""

    table: pa.Table
    dropped: Counter[str]


def read_frame(value: bytes, schema: pa.Schema, declared: int | None, drop: bool) -> Frame:
    """The readings of one frame, at most ``declared`` (or `MAX_FRAME_ROWS`) of them.

    Raises `FrameError` for anything that is not a frame of the contract's schema.
    """
    try:
        reader = pa.ipc.MessageReader.open_stream(pa.py_buffer(value))
        first = _next(reader)
        if first is None or first.type != "schema":
            raise FrameError(Reason.INVALID_FRAME, "not an Arrow IPC stream: no schema first")
        got = pa.ipc.read_schema(first)
        extra = _check_schema(got, schema, drop)
        batches = list(_batches(reader, got, declared))
    except _ARROW_ERRORS as exc:
        raise FrameError(Reason.INVALID_FRAME, str(exc)) from exc
    if not any(b.num_rows for b in batches):
        raise FrameError(Reason.INVALID_FRAME, "the frame holds no readings")
    table = pa.Table.from_batches(batches, got).select(schema.names)
    table = pa.Table.from_arrays(table.columns, schema=schema)
    return Frame(table, Counter(dict.fromkeys(extra, table.num_rows)))


def _next(reader: pa.ipc.MessageReader) -> pa.ipc.Message | None:
    try:
        return reader.read_next_message()
    except StopIteration:
        return None


def _check_schema(got: pa.Schema, want: pa.Schema, drop: bool) -> list[str]:
    """The frame's extra columns (to drop), or `FrameError` when it is not the contract's."""
    names, wanted = Counter(got.names), set(want.names)
    problems = [f"column {n} appears {k} times" for n, k in names.items() if k > 1]
    missing = [n for n in want.names if n not in names]
    others = [f for f in got if f.name not in wanted]
    extra = [f.name for f in others]
    if missing:
        problems.append(f"missing columns: {', '.join(missing)}")
    for f in want:
        if names.get(f.name) == 1 and (t := got.field(f.name).type) != f.type:
            problems.append(f"{f.name} is {t}, the contract says {f.type}")
    if drop:
        problems += [f"column {f.name} is {f.type}" for f in others if not _plain(f.type)]
    elif extra and not problems:
        raise FrameError(Reason.UNKNOWN_FIELD, f"fields not in the contract: {', '.join(extra)}")
    elif extra:
        problems.append(f"columns not in the contract: {', '.join(extra)}")
    if problems:
        detail = f"frame schema does not match the contract: {'; '.join(problems)}"
        raise FrameError(Reason.FRAME_SCHEMA_MISMATCH, detail)
    return extra


def _plain(type_: pa.DataType) -> bool:
    """True for a type without null, dictionary or run-end-encoded parts (for dropped columns)."""
    pending = [type_]
    while pending:
        t = pending.pop()
        if pa.types.is_null(t) or pa.types.is_dictionary(t) or pa.types.is_run_end_encoded(t):
            return False
        pending += [t.field(i).type for i in range(t.num_fields)]
    return True


def _batches(
    reader: pa.ipc.MessageReader, schema: pa.Schema, declared: int | None
) -> Iterator[pa.RecordBatch]:
    budget = declared if declared is not None else MAX_FRAME_ROWS
    rows = 0
    for count in range(MAX_FRAME_BATCHES + 1):
        if (message := _next(reader)) is None:
            return
        if count == MAX_FRAME_BATCHES:
            raise FrameError(Reason.INVALID_FRAME, f"more than {count} record batches")
        if message.type != "record batch":
            raise FrameError(Reason.INVALID_FRAME, f"a {message.type} message in a frame")
        length = _check_batch(message, budget - rows, declared)
        batch = pa.ipc.read_record_batch(message, schema)
        if batch.num_rows != length:
            raise FrameError(Reason.INVALID_FRAME, "a batch's rows differ from its metadata")
        batch.validate(full=True)
        rows += length
        yield batch


def _check_batch(message: pa.ipc.Message, left: int, declared: int | None) -> int:
    """A batch's declared rows, once its metadata shows it fits the budget and its body."""
    length, compressed, buffers = _batch_metadata(message.metadata.to_pybytes())
    if compressed:
        detail = "compressed IPC body: frames travel uncompressed (Kafka compresses them)"
        raise FrameError(Reason.INVALID_FRAME, detail)
    if not 0 <= length <= left:
        limit = f"the {declared} its count header declares" if declared else MAX_FRAME_ROWS
        raise FrameError(Reason.INVALID_FRAME, f"the frame holds more readings than {limit}")
    body = message.body.size if message.body is not None else 0
    if any(offset < 0 or size < 0 or offset + size > body for offset, size in buffers):
        raise FrameError(Reason.INVALID_FRAME, "a buffer lies outside the message body")
    return length


def _batch_metadata(data: bytes) -> tuple[int, bool, list[tuple[int, int]]]:
    """(rows, compressed, buffers as (offset, length)) from a record batch message's metadata."""
    flat = _Flat(data)
    batch = flat.table(flat.field(flat.table(0), 2))  # Message.header: a RecordBatch
    length = flat.field(batch, 0)  # RecordBatch.length
    compressed = flat.field(batch, 3) is not None  # RecordBatch.compression
    vector = flat.field(batch, 2)  # RecordBatch.buffers: [struct Buffer {offset, length}]
    buffers: list[tuple[int, int]] = []
    if vector is not None:
        start = flat.table(vector)
        count = flat.read("<I", start)
        if count * 16 > len(data):
            raise FrameError(Reason.INVALID_FRAME, "corrupt record batch metadata")
        numbers = flat.read_many(f"<{2 * count}q", start + 4)
        buffers = list(zip(numbers[::2], numbers[1::2], strict=True))
    return (flat.read("<q", length) if length is not None else 0), compressed, buffers


class _Flat:
    """Just enough of a FlatBuffer reader: tables, their fields, offsets; bounds checked."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, fmt: str, at: int) -> int:
        value: int = self.read_many(fmt, at)[0]
        return value

    def read_many(self, fmt: str, at: int) -> tuple[int, ...]:
        if at < 0 or at + struct.calcsize(fmt) > len(self.data):
            raise FrameError(Reason.INVALID_FRAME, "corrupt record batch metadata")
        return struct.unpack_from(fmt, self.data, at)

    def table(self, at: int | None) -> int:
        """Follow the offset stored at ``at`` (to a table or a vector)."""
        if at is None:
            raise FrameError(Reason.INVALID_FRAME, "record batch metadata without a header")
        return at + self.read("<I", at)

    def field(self, table: int, index: int) -> int | None:
        """Where field ``index`` of ``table`` is stored, or None when absent."""
        vtable = table - self.read("<i", table)
        entry = 4 + 2 * index
        if entry + 2 > self.read("<H", vtable):
            return None
        offset = self.read("<H", vtable + entry)
        return table + offset if offset else None
