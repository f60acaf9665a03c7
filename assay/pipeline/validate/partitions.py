"""Curated partitions: the contract's ``partition_by`` turned into groups of rows.

Each group is one curated object, in the Hive folders `assay.store.layout.curated_key`
names. ``date`` is the UTC date of the event time; the other entries are fields, whose
values become folder names (escaped by `assay.store.layout.path_value` where needed).
"""

from __future__ import annotations

import functools
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from schemas import Contract

Partition = tuple[tuple[str, str | None], ...]


def curated_partitions(contract: Contract, table: pa.Table) -> list[tuple[Partition, pa.Table]]:
    """``((field, value), …)`` and its rows for each curated partition, in value order.

    The fields are the contract's ``partition_by``; ``date`` is the UTC date of the event
    time. The distinct values come from one Arrow group-by; a segment nearly always holds
    one partition, and then its rows are the whole table, not a filtered copy.
    """
    fields = contract.partition_by
    if not fields:
        return [((), table)]
    keys = pa.table([_partition_column(contract, table, f) for f in fields], names=_slots(fields))
    groups = keys.group_by(keys.column_names).aggregate([])
    groups = groups.sort_by([(name, "ascending") for name in keys.column_names]).to_pylist()
    if len(groups) == 1:
        return [(_rendered(fields, groups[0]), table)]
    return [(_rendered(fields, g), table.filter(_in_group(keys, g))) for g in groups]


def _slots(fields: tuple[str, ...]) -> list[str]:
    """Column names for the partition keys (a field may be called ``date``)."""
    return [f"p{i}" for i in range(len(fields))]


def _partition_column(contract: Contract, table: pa.Table, name: str) -> pa.ChunkedArray:
    if name == "date":
        return pc.cast(table[contract.event_time], pa.date32())
    column = table[name]
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def _rendered(fields: tuple[str, ...], group: dict[str, Any]) -> Partition:
    values = (group[slot] for slot in _slots(fields))
    return tuple((f, _text(v)) for f, v in zip(fields, values, strict=True))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _in_group(keys: pa.Table, group: dict[str, Any]) -> pa.ChunkedArray | pa.Array:
    masks = [
        pc.is_null(keys[slot]) if group[slot] is None else pc.equal(keys[slot], group[slot])
        for slot in keys.column_names
    ]
    return functools.reduce(pc.and_, masks)
