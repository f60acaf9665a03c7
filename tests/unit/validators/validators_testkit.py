"""Builders for the validator tests: clean batches and single faults injected into them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyarrow as pa

from schemas import Contract
from validators import sample_table

DEVICES = 3


def row_of(device: int, step: int) -> int:
    """The row of a device's ``step``-th reading in a ``sample_table`` batch."""
    return step * DEVICES + device


@dataclass(frozen=True)
class Expected:
    """What one injected fault must produce: the rule and dimension blamed for its row."""

    row: int
    rule_id: str
    dimension: str
    quarantined: bool = True


class Batch:
    """A mutable clean batch to inject faults into, one per row, recording what each must do."""

    def __init__(self, contract: Contract, steps: int) -> None:
        self.contract = contract
        self.columns: dict[str, list[Any]] = sample_table(
            contract, steps * DEVICES, devices=DEVICES
        ).to_pydict()
        self.types = {f.name: f.type for f in sample_table(contract, 1).schema}
        self.expected: list[Expected] = []

    def set(self, column: str, row: int, value: Any) -> None:
        """Overwrite one value."""
        self.columns[column][row] = value

    def expect(self, row: int, rule_id: str, dimension: str, *, quarantined: bool = True) -> None:
        """Record that ``row`` must fail exactly ``rule_id``."""
        self.expected.append(Expected(row, rule_id, dimension, quarantined))

    def shift_device(self, device: int, from_step: int, seconds: float) -> None:
        """Move a device's readings from ``from_step`` on later in time (event and ingest)."""
        delta = timedelta(seconds=seconds)
        for row in range(row_of(device, from_step), len(self.columns["seq"]), DEVICES):
            self.columns["event_time"][row] += delta
            self.columns["ingest_time"][row] += delta

    def replay(self, row: int) -> int:
        """Append an exact copy of ``row`` (a spool replay); returns the copy's row."""
        for values in self.columns.values():
            values.append(values[row])
        return len(self.columns["seq"]) - 1

    def table(self, **types: pa.DataType) -> pa.Table:
        """The batch as a table in contract types, except columns given other ``types``."""
        return pa.table(
            {n: pa.array(v, type=types.get(n, self.types[n])) for n, v in self.columns.items()}
        )


def with_faults(
    table: pa.Table,
    faults: list[tuple[int, str]],
    kinds: dict[str, tuple[str, Any]],
    schema: pa.Schema | None = None,
) -> pa.Table:
    """``table`` with each ``(row, kind)`` of ``faults`` put in: ``kinds[kind]`` names the
    column and the value it takes there, or the ``timedelta`` its time moves by."""
    columns = table.to_pydict()
    for row, fault in faults:
        column, value = kinds[fault]
        if isinstance(value, timedelta):
            columns[column][row] += value
        else:
            columns[column][row] = value
    return pa.table(columns, schema=schema or table.schema)
