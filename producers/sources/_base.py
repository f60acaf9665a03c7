"""What every source kind shares: its options base model and the context it is built with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from producers._transport import Transport
from producers.errors import SourceError
from schemas import Contract

__all__ = ["FieldMap", "Report", "SourceContext", "SourceOptions", "Wrapper", "parse_time"]

Report = Callable[[SourceError], None]
Wrapper = Callable[[Transport], Transport]


class SourceOptions(BaseModel):
    """Options every source has; a kind's ``Options`` subclass adds its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
    kind: str
    contract: str = Field(min_length=1)
    payload: Literal["json", "frame"] = "json"
    frame_readings: int = Field(default=10_000, ge=1, le=1_000_000)
    site: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    #: contract field -> the unit the source reports it in, when not the contract's (pint)
    units: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class FieldMap:
    """Which contract fields one group of a source's readings (a device, or all) fills, and how.

    ``fields`` maps each explicitly mapped contract field to its key in the source's options
    (``devices[0].nodes.air_temperature``); ``by_name`` says that any other contract field
    arrives under its own name (a CSV column, an MQTT payload key); ``units`` maps a field to
    the unit the source reports, with that setting's key. ``check-config`` checks every name
    and unit against the contract; the edge converts the units.
    """

    key: str
    device: str | None
    fields: dict[str, str]
    by_name: bool = False
    units: dict[str, tuple[str, str]] = field(default_factory=dict)

    def with_source_units(self, options: SourceOptions) -> FieldMap:
        """This map plus the source-wide ``units`` setting (a group's own unit wins)."""
        common = {f: (f"units.{f}", u) for f, u in options.units.items()}
        return FieldMap(self.key, self.device, self.fields, self.by_name, common | self.units)


@dataclass(frozen=True)
class SourceContext:
    """What the edge hands a source when building it."""

    contract: Contract
    site: str
    checkpoint: str | None = None
    report: Report = lambda error: None
    #: install a wrapper around every Kafka transport the edge opens (the simulator's faults)
    wrap_transport: Callable[[Wrapper], None] = lambda wrapper: None


TimeFormat = str  # iso | epoch_s | epoch_ms | a strptime format


def parse_time(value: object, fmt: TimeFormat = "iso", zone: tzinfo = UTC) -> datetime:
    """A source's time value as an aware datetime; ``ValueError`` when it is not one.

    Numbers are epoch seconds (``epoch_s``) or milliseconds (``epoch_ms``; also the guess for
    a bare number under ``iso``); text is ISO 8601 or the given strptime format. A time without
    an offset is taken in ``zone``.
    """
    if value is None or value == "":
        raise ValueError("the time is missing")
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a time")
    if fmt in ("epoch_s", "epoch_ms") or isinstance(value, int | float):
        scale = 1 if fmt == "epoch_s" else 1000
        return datetime.fromtimestamp(float(value) / scale, UTC)  # type: ignore[arg-type]
    text = str(value)
    moment = datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
