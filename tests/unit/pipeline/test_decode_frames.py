"""Arrow frames: the contract's schema before any batch, a row budget before any allocation."""

from __future__ import annotations

import struct

import pyarrow as pa
import pytest

from assay.pipeline.ingest._frames import MAX_FRAME_BATCHES, MAX_FRAME_ROWS
from assay.pipeline.ingest.deadletter import Reason
from assay.pipeline.ingest.decode import parse_schema
from schemas import Contract, to_arrow_schema

from .decoding import edge_frame, frame_record, ipc, run, variant


def table_of(contract: Contract, n: int = 3) -> pa.Table:
    return pa.ipc.open_stream(edge_frame(contract, n)).read_all()


def test_a_frame_from_the_edge_lands_reading_for_reading(energy: Contract) -> None:
    out = run(energy, [frame_record(0, edge_frame(energy, 5), count=5)])
    table = out.table(to_arrow_schema(energy))
    assert (table["seq"].to_pylist(), out.dead) == ([0, 1, 2, 3, 4], [])
    assert table["kafka_index"].to_pylist() == [0, 1, 2, 3, 4]


def test_null_typed_columns_are_refused_before_their_rows_are_read(energy: Contract) -> None:
    """10^8 rows of nulls take 1 KB on the wire and gigabytes once a column is touched."""
    schema = pa.schema([pa.field(f.name, pa.null()) for f in to_arrow_schema(energy)])
    bomb = pa.RecordBatch.from_arrays([pa.nulls(10**8)] * len(schema), schema=schema)
    value = ipc(bomb)
    assert len(value) < 4096
    out = run(energy, [frame_record(0, value)])
    assert [d.reason for d in out.dead] == [Reason.FRAME_SCHEMA_MISMATCH]
    assert "null" in out.dead[0].detail


@pytest.mark.parametrize("codec", ["zstd", "lz4"])
def test_compressed_bodies_are_refused(energy: Contract, codec: str) -> None:
    value = ipc(table_of(energy), compression=codec)
    out = run(energy, [frame_record(0, value, count=3)])
    assert [(d.reason, d.readings) for d in out.dead] == [(Reason.INVALID_FRAME, 3)]
    assert "compressed" in out.dead[0].detail


def test_a_batch_declaring_more_rows_than_the_count_header_is_refused(energy: Contract) -> None:
    out = run(energy, [frame_record(0, edge_frame(energy, 5), count=4)])
    assert [(d.reason, d.readings) for d in out.dead] == [(Reason.INVALID_FRAME, 4)]
    assert "count header" in out.dead[0].detail


def test_a_patched_row_count_is_refused_before_reading(energy: Contract) -> None:
    value = bytearray(edge_frame(energy, 3))
    at = value.find(struct.pack("<q", 3))  # the record batch's length in its metadata
    value[at : at + 8] = struct.pack("<q", 10**8)
    out = run(energy, [frame_record(0, bytes(value))])
    assert [d.reason for d in out.dead] == [Reason.INVALID_FRAME]
    assert str(MAX_FRAME_ROWS) in out.dead[0].detail


@pytest.mark.parametrize("count", [b"9" * 40, b"-7", b"0", b"three", b"\xff\xfe", b"1e9"])
def test_a_count_header_out_of_range_is_clamped(energy: Contract, count: bytes) -> None:
    records = [frame_record(0, edge_frame(energy, 2), count), frame_record(1, b"ARROW?", count)]
    out = run(energy, records)
    assert 1 <= out.dead[-1].readings <= MAX_FRAME_ROWS


def test_fewer_rows_than_the_count_header_land_and_the_mismatch_is_noted(
    energy: Contract,
) -> None:
    out = run(energy, [frame_record(17, edge_frame(energy, 5), count=7)])
    assert out.table(to_arrow_schema(energy)).num_rows == 5
    assert out.metadata() == {"count-mismatches": "17:7:5"}


def test_dictionary_and_run_end_encoded_columns_are_refused(energy: Contract) -> None:
    batch = table_of(energy).to_batches()[0]
    site = batch.column(2)
    for encoded in (site.dictionary_encode(), pa.compute.run_end_encode(site)):
        columns = [encoded if i == 2 else c for i, c in enumerate(batch.columns)]
        value = ipc(pa.RecordBatch.from_arrays(columns, names=batch.schema.names))
        out = run(energy, [frame_record(0, value, count=3)])
        assert [d.reason for d in out.dead] == [Reason.FRAME_SCHEMA_MISMATCH]


def test_other_types_are_refused_not_cast(energy: Contract) -> None:
    table = table_of(energy)
    narrow = table.set_column(1, pa.field("seq", pa.int32()), [table["seq"].cast(pa.int32())])
    out = run(energy, [frame_record(0, ipc(narrow), count=3)])
    assert [d.reason for d in out.dead] == [Reason.FRAME_SCHEMA_MISMATCH]
    assert "seq is int32" in out.dead[0].detail


def test_extra_columns_are_named_or_dropped_as_the_contract_says(energy: Contract) -> None:
    table = table_of(energy).append_column("firmware", pa.array(["2.1"] * 3))
    records = [frame_record(0, ipc(table), count=3)]
    out = run(energy, records)
    assert [(d.reason, d.detail) for d in out.dead] == [
        (Reason.UNKNOWN_FIELD, "fields not in the contract: firmware")
    ]
    dropping = variant(energy, unknown_fields="drop")
    out = run(dropping, records)
    assert out.dead == [] and out.table(to_arrow_schema(energy)).num_rows == 3
    assert out.dropped_fields == {"firmware": 3}


def test_a_frame_without_readings_is_a_dead_letter(energy: Contract) -> None:
    empty = parse_schema(to_arrow_schema(energy)).empty_table()
    out = run(energy, [frame_record(0, ipc(empty), count=1)])
    assert [d.reason for d in out.dead] == [Reason.INVALID_FRAME]


def test_timestamps_outside_years_1_to_9999_dead_letter_their_reading(energy: Contract) -> None:
    table = table_of(energy)
    far = pa.array([0, 2**62, 0], pa.int64()).cast(table["event_time"].type)
    value = ipc(table.set_column(4, table.schema.field("event_time"), [far]))
    out = run(energy, [frame_record(0, value, count=3)])
    assert [(d.reason, d.index) for d in out.dead] == [(Reason.TYPE_MISMATCH, 1)]


@pytest.mark.parametrize("length", [0x7FFFFFFF, 0x10000000, -8])
def test_a_patched_message_length_prefix_is_an_invalid_frame(energy: Contract, length: int) -> None:
    value = bytearray(edge_frame(energy, 3))
    schema_length = struct.unpack_from("<i", value, 4)[0]
    batch_at = 8 + schema_length  # after the schema message: continuation, then the length
    assert value[batch_at : batch_at + 4] == b"\xff\xff\xff\xff"
    value[batch_at + 4 : batch_at + 8] = struct.pack("<i", length)
    out = run(energy, [frame_record(0, bytes(value), count=3)])
    assert [(d.reason, d.readings) for d in out.dead] == [(Reason.INVALID_FRAME, 3)]


def test_a_compressed_buffer_with_a_patched_length_is_refused_unread(energy: Contract) -> None:
    """Compressed buffers start with their uncompressed length: 2^40 would be allocated."""
    value = bytearray(ipc(table_of(energy), compression="lz4"))
    at = value.rfind(struct.pack("<q", 24))  # the seq column's uncompressed length (3 x 8)
    assert at > 0
    value[at : at + 8] = struct.pack("<q", 1 << 40)
    out = run(energy, [frame_record(0, bytes(value), count=3)])
    assert "compressed" in out.dead[0].detail


def test_a_frame_of_too_many_batches_is_refused(energy: Contract) -> None:
    one = table_of(energy, 1).to_batches()[0]
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, one.schema) as writer:
        for _ in range(MAX_FRAME_BATCHES + 1):
            writer.write_batch(one)
    out = run(energy, [frame_record(0, sink.getvalue().to_pybytes())])
    assert [d.reason for d in out.dead] == [Reason.INVALID_FRAME]
    assert "record batches" in out.dead[0].detail
