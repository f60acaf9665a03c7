"""Parquet written well, and the same way every time: same table in, same bytes out.

zstd, row groups sized for readers, column statistics, and the contract's name and
version with the Arrow schema in the file metadata, so Spark, DuckDB and pandas read
the types the contract promised (timestamps in ms or µs UTC, never ns). Only text columns
are dictionary-encoded: device ids, sites and codes repeat, measured values and sequence
numbers hardly ever, and a dictionary tried on them first costs time and size for nothing
(bench/README.md has the measurement).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 128 * 1024


def to_parquet(
    table: pa.Table, metadata: dict[str, str] | None = None, sorted_by: Sequence[str] = ()
) -> bytes:
    """The bytes of one Parquet file holding ``table``; ``sorted_by`` names the columns its
    rows are in ascending order of, declared as every row group's ``sorting_columns`` so a
    reader (DuckDB, Spark, DataFusion) may skip a sort or merge instead of sorting."""
    merged = {
        **(table.schema.metadata or {}),
        **{k.encode(): v.encode() for k, v in (metadata or {}).items()},
    }
    table = table.replace_schema_metadata(merged)
    buffer = io.BytesIO()
    pq.write_table(
        table,
        buffer,
        compression="zstd",
        use_dictionary=_repeating(table.schema),
        row_group_size=ROW_GROUP_ROWS,
        write_statistics=True,
        coerce_timestamps=None,
        use_deprecated_int96_timestamps=False,
        store_schema=True,
        sorting_columns=_sorting(table.schema, sorted_by),
    )
    return buffer.getvalue()


def from_parquet(data: bytes, columns: list[str] | None = None) -> pa.Table:
    """The table (or some of its columns) in a Parquet file's bytes.

    Arrow reads columns on its own threads, and the last of them to finish drops the input
    buffer, often after ``read`` has returned. Over Python's ``bytes`` that drop must take
    the GIL inside a C++ destructor; when the interpreter is exiting by then, Python ends
    the thread and the process aborts ("terminate called without an active exception").
    So Arrow gets its own copy (one memcpy of the compressed file), which no Arrow thread
    needs Python to release. For the same reason: ``ParquetFile``, not the dataset API's
    read-ahead.
    """
    with pq.ParquetFile(pa.BufferReader(arrow_owned(data))) as file:
        return file.read(columns=columns)


def _sorting(schema: pa.Schema, names: Sequence[str]) -> list[pq.SortingColumn] | None:
    if not names:
        return None
    return [pq.SortingColumn(schema.get_field_index(name)) for name in names]


def arrow_owned(data: bytes) -> pa.Buffer:
    """A copy of ``data`` in Arrow's memory: releasing it never needs the GIL."""
    sink = pa.BufferOutputStream()
    sink.write(data)
    return sink.getvalue()


def _repeating(schema: pa.Schema) -> list[str]:
    """The top-level columns worth a dictionary: text, and what is a dictionary already."""
    return [
        f.name
        for f in schema
        if pa.types.is_string(f.type)
        or pa.types.is_large_string(f.type)
        or pa.types.is_dictionary(f.type)
    ]
