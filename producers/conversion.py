"""Readings converted to the contract's units: a meter in W feeding a kW field, a PLC in °F.

A source declares the unit it reports (``units: {field: unit}``, or ``unit:`` on a Modbus
register); ``check-config`` has checked that pint converts it to the contract field's unit.
``converted(source, ...)`` wraps the built source so that every reading leaves it in contract
units: pint is asked once per unit pair for ``(scale, offset)`` and each value costs one
multiply-add. An int64 field is rounded to the nearest integer after conversion. A value that
is not a number passes unchanged (quarantine downstream says why). Every converted value is
counted per (source, field, from unit, to unit) for ``/metrics``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from threading import Event
from typing import Any

from producers._reading import Reading, ReadingBatch, Source
from producers.sources import SourceOptions, field_maps
from schemas import Contract, unit_conversion

__all__ = ["Conversion", "Converted", "conversions", "converted"]


@dataclass(frozen=True)
class Conversion:
    """How one field's values become contract units: ``value * scale + offset``."""

    field: str
    source_unit: str
    contract_unit: str
    scale: float
    offset: float
    whole: bool  # an int64 field: rounded after conversion

    def apply(self, value: Any) -> Any:
        """The value in contract units; anything but a number is returned as it is."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        result = value * self.scale + self.offset
        return round(result) if self.whole else result


#: device id (None: every device of the source) -> field -> conversion
Plan = dict[str | None, dict[str, Conversion]]


def conversions(options: SourceOptions, contract: Contract) -> Plan:
    """The conversions a source's readings need, per device; ``ValueError`` on a bad unit."""
    plan: Plan = {}
    for fields in field_maps(options):
        for name, (_key, unit) in fields.units.items():
            spec = contract.fields.get(name)
            if spec is None or spec.unit is None:
                raise ValueError(f"{name!r} has no unit in contract {contract.name}")
            if unit == spec.unit:
                continue
            scale, offset = unit_conversion(unit, spec.unit)
            whole = spec.type == "int64"
            plan.setdefault(fields.device, {})[name] = Conversion(
                name, unit, spec.unit, scale, offset, whole
            )
    return plan


class Converted:
    """A source whose readings come out in contract units."""

    def __init__(self, source: Source, plan: Plan, counts: Counter[tuple[str, ...]]) -> None:
        self.name = source.name
        self.source = source
        self.plan = plan
        self.counts = counts

    def readings(self, stop: Event) -> Iterator[Reading | ReadingBatch]:
        """The wrapped source's readings, converted."""
        for item in self.source.readings(stop):
            yield self._batch(item) if isinstance(item, ReadingBatch) else self._one(item)

    def _for(self, device: str) -> dict[str, Conversion]:
        return self.plan.get(None, {}) | self.plan.get(device, {})

    def _one(self, reading: Reading) -> Reading:
        todo = {f: c for f, c in self._for(reading.device_id).items() if f in reading.values}
        if not todo:
            return reading
        values = dict(reading.values)
        for field, conversion in todo.items():
            values[field] = conversion.apply(values[field])
            self.counts[(self.name, field, conversion.source_unit, conversion.contract_unit)] += 1
        return replace(reading, values=values)

    def _batch(self, batch: ReadingBatch) -> ReadingBatch:
        import pyarrow as pa
        import pyarrow.compute as pc

        columns = batch.columns
        for field, c in self._for(batch.device_id).items():
            if field in columns.schema.names:
                i = columns.schema.get_field_index(field)
                column = pc.add(pc.multiply(columns.column(i), c.scale), c.offset)
                if c.whole:
                    column = pc.cast(pc.round(column), pa.int64())
                columns = columns.set_column(i, field, column)
                self.counts[(self.name, field, c.source_unit, c.contract_unit)] += batch.count
        return replace(batch, columns=columns)


def converted(
    source: Source, options: SourceOptions, contract: Contract, counts: Counter[tuple[str, ...]]
) -> Source:
    """``source`` itself when it reports contract units, else wrapped in a ``Converted``."""
    plan = conversions(options, contract)
    return Converted(source, plan, counts) if plan else source
