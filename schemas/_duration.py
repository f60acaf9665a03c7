"""Durations as contracts write them: an integer and a unit, e.g. ``500ms``, ``15min``, ``7d``."""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["parse_duration"]

DURATION_PATTERN = r"^[1-9][0-9]*(ms|s|min|h|d)$"

_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_SPLIT = re.compile(r"([0-9]+)(ms|s|min|h|d)")


def parse_duration(text: str) -> timedelta:
    """Turn ``"15min"`` into ``timedelta(minutes=15)``; raise ``ValueError`` if malformed."""
    match = _SPLIT.fullmatch(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r} (write e.g. 500ms, 10s, 15min, 1h, 7d)")
    amount, unit = match.groups()
    return timedelta(seconds=int(amount) * _UNIT_SECONDS[unit])
