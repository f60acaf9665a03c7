"""Bring an input table to its contract's Arrow types, recording per row what did not fit.

The raw table normally has the contract's schema already; this is the safety net
for one that does not. A column that casts safely as a whole passes; otherwise each
value is cast on its own and the ones that do not fit become null in the conformed
column and fail the field's ``type:`` rule. A missing column fails it on every
row, and so does a column whose Arrow ``unit`` metadata names another unit than the
contract: a number in the wrong unit is not the number the contract describes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas import Contract, FieldSpec, all_fields, arrow_type, to_arrow_schema

__all__ = ["Conformed", "conform"]


@dataclass(frozen=True)
class Conformed:
    """The table in contract types (contract fields, in contract order) and per-field type flags."""

    table: pa.Table
    type_ok: dict[str, np.ndarray]


def conform(contract: Contract, table: pa.Table) -> Conformed:
    """Cast ``table`` to the contract's Arrow schema, flagging each value that does not fit."""
    columns: list[pa.ChunkedArray] = []
    flags: dict[str, np.ndarray] = {}
    for name, spec in all_fields(contract).items():
        column, ok = _conform_column(table, name, spec)
        columns.append(column)
        flags[name] = ok
    schema = to_arrow_schema(contract)
    return Conformed(pa.Table.from_arrays(columns, schema=schema), flags)


def _conform_column(
    table: pa.Table, name: str, spec: FieldSpec
) -> tuple[pa.ChunkedArray, np.ndarray]:
    target, rows = arrow_type(spec), table.num_rows
    if name not in table.column_names:
        return pa.chunked_array([pa.nulls(rows, target)], type=target), np.zeros(rows, dtype=bool)
    column = table.column(name)
    column, ok = _cast(column, target)
    if not _unit_matches(table.schema.field(name), spec):
        ok = np.zeros(rows, dtype=bool)
    return column, ok


def _cast(column: pa.ChunkedArray, target: pa.DataType) -> tuple[pa.ChunkedArray, np.ndarray]:
    if column.type == target:
        return column, np.ones(len(column), dtype=bool)
    try:
        return pc.cast(column, target), np.ones(len(column), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return _cast_each(column, target)


def _cast_each(column: pa.ChunkedArray, target: pa.DataType) -> tuple[pa.ChunkedArray, np.ndarray]:
    """Slow path, only for a column that does not cast as a whole: one value at a time."""
    values, ok = [], []
    for scalar in column:
        value = _cast_scalar(scalar, target)
        values.append(value)
        ok.append(value is not None or not scalar.is_valid)
    return pa.chunked_array([pa.array(values, type=target)], type=target), np.array(ok, dtype=bool)


def _cast_scalar(scalar: pa.Scalar, target: pa.DataType) -> object:
    try:
        return scalar.cast(target).as_py()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def _unit_matches(arrow_field: pa.Field, spec: FieldSpec) -> bool:
    declared = (arrow_field.metadata or {}).get(b"unit")
    return declared is None or spec.unit is None or declared.decode() == spec.unit
