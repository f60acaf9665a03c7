"""What a simulator run is asked to do: contract, fleet, timing, seed and faults to inject.

``SimulatorConfig`` is embeddable: the edge's ``simulator`` source kind extends it with the
options every source has, and ``python -m producers.simulator`` builds it from flags.
Simulated time comes from ``start`` plus a fixed step (``1 / rate``), never from the wall
clock; only ``live`` runs pace the readings to real time (and default ``start`` to now).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas import parse_duration

__all__ = ["DEFAULT_START", "FaultKind", "SimulatorConfig"]

DEFAULT_START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday, 08:00 in UTC+8

Duration = Annotated[str, Field(pattern=r"^[1-9][0-9]*(ms|s|min|h|d)$")]


class FaultKind(StrEnum):
    """Every fault the simulator can inject; see the package docstring for what each trips."""

    OUT_OF_RANGE = "out_of_range"
    STUCK = "stuck"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    DUPLICATE = "duplicate"
    CORRUPT = "corrupt"
    LATE = "late"
    OUT_OF_ORDER = "out_of_order"
    CLOCK_SKEW = "clock_skew"
    COUNTER_RESET = "counter_reset"
    LEGITIMATE_RESET = "legitimate_reset"


class SimulatorConfig(BaseModel):
    """One simulated fleet of one contract: N devices over M sites for a span of time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contract: str = Field(min_length=1, description="contract name, e.g. energy_meter")
    devices: int = Field(default=3, ge=1, le=100_000)
    sites: int = Field(default=1, ge=1, le=999)
    rate: float = Field(default=0.1, gt=0, le=1000, description="readings per device per second")
    seed: int = 0
    start: datetime | None = Field(default=None, description="first event time (UTC)")
    duration: Duration | None = Field(default=None, description="simulated span, e.g. 1h")
    count: int | None = Field(default=None, ge=1, description="readings per device")
    faults: dict[FaultKind, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    clock_skew: Duration = Field(default="1h", description="how far ahead a skewed clock runs")
    utc_offset_hours: float = Field(default=8.0, ge=-12, le=14, description="sites' local time")
    image_dir: Path = Field(default=Path("simulator-images"))
    image_uri_prefix: str | None = Field(
        default=None,
        pattern=r"^(s3|https?|file)://\S+$",
        description="claim-check URI prefix, e.g. s3://claims/vi; default: file:// of image_dir",
    )
    live: bool = Field(default=False, description="pace readings to the wall clock")
    device_prefix: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9]{0,15}$")

    @field_validator("start")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("start needs a time zone, e.g. 2025-03-03T00:00:00Z")
        return None if value is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _span(self) -> SimulatorConfig:
        if (self.duration is None) == (self.count is None):
            raise ValueError("give exactly one of duration or count")
        if self.step_ms < 1:
            raise ValueError("rate above 1000 readings per second per device")
        if self.per_device < 1:
            raise ValueError("duration shorter than one step (1 / rate)")
        return self

    @property
    def step_ms(self) -> int:
        """Milliseconds between two readings of one device."""
        return round(1000 / self.rate)

    @property
    def per_device(self) -> int:
        """How many readings each device produces."""
        if self.count is not None:
            return self.count
        span = parse_duration(self.duration or "1s")
        return int(span / timedelta(milliseconds=self.step_ms))

    @property
    def total(self) -> int:
        """Readings the whole run yields (a duplicate counts once, as one reading)."""
        return self.per_device * self.devices

    @property
    def skew_ms(self) -> int:
        """How far ahead of true time a skewed clock stamps readings."""
        return int(parse_duration(self.clock_skew) / timedelta(milliseconds=1))

    def start_time(self, now: datetime | None = None) -> datetime:
        """The first event time: ``start``; in live mode without one, ``now`` to the second."""
        if self.start is not None:
            return self.start
        if self.live:
            moment = now or datetime.now(UTC)
            return moment.replace(microsecond=0)
        return DEFAULT_START

    def requested(self) -> dict[FaultKind, int]:
        """Requested faults with a non-zero count, in a fixed order."""
        return {kind: self.faults[kind] for kind in FaultKind if self.faults.get(kind)}
