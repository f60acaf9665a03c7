"""What the decoder's tests share: run it, make frames as the edge does, check the accounting."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pyarrow as pa

from assay.pipeline.ingest.deadletter import Record, to_table
from assay.pipeline.ingest.decode import Decoded, Expect, decode, raw_schema
from producers import Encoder, Reading
from schemas import Contract, to_arrow_schema, wire

from .conftest import TOPIC, reading

ENVELOPE = ("producer_id", "seq", "site", "device_id", "event_time", "ingest_time")


def variant(contract: Contract, **changes: Any) -> Contract:
    """A validated copy of ``contract`` with some contract-level settings changed."""
    return Contract.model_validate({**contract.model_dump(), **changes})


def run(contract: Contract, records: list[Record]) -> Decoded:
    """Decode as landing does, and check what every decode must hold."""
    out = decode(records, Expect.of(contract))
    check(records, out, contract)
    return out


def check(records: list[Record], out: Decoded, contract: Contract) -> None:
    """Every record accounted for exactly once; the outputs are writable as landing writes."""
    schema = to_arrow_schema(contract)
    table = out.table(schema).cast(raw_schema(schema))
    offsets, indexes = table["kafka_offset"].to_pylist(), table["kafka_index"].to_pylist()
    rows = Counter(zip(offsets, indexes, strict=True))
    assert max(rows.values(), default=1) == 1, "a reading is in the table twice"
    whole = Counter(d.record.offset for d in out.dead if d.index < 0)
    parts = Counter((d.record.offset, d.index) for d in out.dead if d.index >= 0)
    assert max(parts.values(), default=1) == 1, "a frame's reading is dead-lettered twice"
    for record in records:
        held = sorted(i for o, i in [*rows, *parts] if o == record.offset)
        if whole[record.offset]:
            assert (whole[record.offset], held) == (1, []), record.offset
        else:
            assert held and held == list(range(len(held))), (record.offset, held)
    assert all(d.readings >= 1 for d in out.dead)
    to_table(out.dead)
    assert all(v.isascii() and len(v) < 1024 for v in out.metadata().values())


def edge_frame(contract: Contract, n: int, first_seq: int = 0) -> bytes:
    """``n`` readings of one device as the edge's encoder frames them."""
    encoder = Encoder(contract, producer_id="edge-1", site="plant-a")
    readings = [_reading(i) for i in range(first_seq, first_seq + n)]
    return encoder.frame(readings, first_seq, 1_772_352_000_000).value


def _reading(n: int) -> Reading:
    values = {k: v for k, v in reading(n).items() if k not in ENVELOPE}
    when = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC) + dt.timedelta(seconds=n)
    return Reading("energy_meter", "meter-0", when, values)


def ipc(table: pa.Table | pa.RecordBatch, **options: Any) -> bytes:
    """An Arrow IPC stream of ``table``, written with ``IpcWriteOptions(**options)``."""
    sink = pa.BufferOutputStream()
    write = pa.ipc.IpcWriteOptions(**options)
    with pa.ipc.new_stream(sink, table.schema, options=write) as writer:
        writer.write(table)
    return bytes(sink.getvalue().to_pybytes())


def frame_record(offset: int, value: bytes, count: int | bytes | None = None) -> Record:
    """A Kafka record carrying a frame, with a ``count`` header when given."""
    headers = [
        (wire.HEADER_CONTRACT, b"energy_meter"),
        (wire.HEADER_VERSION, b"1.0.0"),
        (wire.HEADER_CONTENT_TYPE, wire.ARROW_STREAM.encode()),
    ]
    if isinstance(count, int):
        count = str(count).encode()
    if count is not None:
        headers.append((wire.HEADER_COUNT, count))
    return Record(TOPIC, 0, offset, 1_772_352_000_000 + offset, b"meter-0", value, tuple(headers))


def plain(offset: int, value: bytes, timestamp: int = 1_772_352_000_000) -> Record:
    """A record as a foreign producer sends it: no headers at all."""
    return Record(TOPIC, 0, offset, timestamp, None, value, ())
