"""Shift calendar: how busy a plant is at a given simulated instant.

Day shift (08:00-20:00 local) runs at full load, night shift at 65 %, and weekends at
35 % of the weekday figure. Pure functions of the instant and the sites' UTC offset.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["is_day_shift", "load_factor", "local_time"]

DAY_SHIFT = (8, 20)
NIGHT_LOAD = 0.65
WEEKEND_LOAD = 0.35


def local_time(epoch_ms: int, utc_offset_hours: float) -> datetime:
    """The plant's wall-clock time at ``epoch_ms``."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment + timedelta(hours=utc_offset_hours)


def is_day_shift(epoch_ms: int, utc_offset_hours: float) -> bool:
    """True between 08:00 and 20:00 plant time."""
    hour = local_time(epoch_ms, utc_offset_hours).hour
    return DAY_SHIFT[0] <= hour < DAY_SHIFT[1]


def load_factor(epoch_ms: int, utc_offset_hours: float) -> float:
    """Relative production load in (0, 1]: shift times weekday."""
    shift = 1.0 if is_day_shift(epoch_ms, utc_offset_hours) else NIGHT_LOAD
    weekend = local_time(epoch_ms, utc_offset_hours).weekday() >= 5
    return shift * (WEEKEND_LOAD if weekend else 1.0)
