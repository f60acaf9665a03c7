"""Parquet bytes: the same table gives the same bytes, reads back equal, text in dictionaries."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from assay.pipeline.ingest import deadletter
from assay.pipeline.ingest.deadletter import DeadLetter, Reason
from assay.store.parquet import from_parquet, to_parquet
from schemas import Contract
from validators import sample_table

from .conftest import record


def _encodings(data: bytes) -> dict[str, set[str]]:
    meta = pq.ParquetFile(pa.BufferReader(data)).metadata
    group = meta.row_group(0)
    return {
        group.column(i).path_in_schema: set(group.column(i).encodings)
        for i in range(group.num_columns)
    }


def test_same_table_same_bytes_and_it_reads_back_equal(energy: Contract) -> None:
    table = sample_table(energy, 1_000)
    data = to_parquet(table, {"assay.segment": "s"})
    assert data == to_parquet(table, {"assay.segment": "s"})
    back = from_parquet(data)
    assert back.equals(table)
    assert back.schema.metadata[b"assay.segment"] == b"s"


def test_only_text_columns_get_a_dictionary(energy: Contract) -> None:
    encodings = _encodings(to_parquet(sample_table(energy, 1_000)))
    assert "RLE_DICTIONARY" in encodings["device_id"]
    assert "RLE_DICTIONARY" in encodings["site"]
    for number in ("seq", "active_power", "voltage_l1", "event_time"):
        assert "RLE_DICTIONARY" not in encodings[number], number


def test_a_table_without_text_and_one_with_nested_columns_write(energy: Contract) -> None:
    numbers = pa.table({"a": [1, 2, 3], "b": [0.5, None, 2.0]})
    assert from_parquet(to_parquet(numbers)).equals(numbers)
    letters = deadletter.to_table(
        [DeadLetter(record(3, b"{oops"), Reason.INVALID_JSON, "not JSON")]
    )
    back = from_parquet(to_parquet(letters))
    assert back.equals(letters)
    assert back["headers"][0].as_py() == letters["headers"][0].as_py()
