"""Readings no payload can carry: why, which value, and the error the writer reports.

A source passes values through as it got them, and the downstream quarantine judges wrong
types and ranges. Some values cannot even be written down: an integer beyond 64 bits, bytes,
a set or an object, a dict with non-text keys, text with lone surrogates, an event time that
is no time. Encoding such a reading raises; the writer then calls ``unencodable`` for the
error it counts (``Stats.unencodable`` by source and reason), logs and shows, skips the reading
and goes on, so one bad value neither stops the spool nor replays into the same failure after
a restart (the source's checkpoint still moves past it).

API::

    unencodable(source, encoder, reading, exc) -> Unencodable   # field, value, reason
    reason_of(exc) -> str                                        # the metric's label
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from producers._reading import Reading
from producers.encoding import Encoder
from producers.errors import Unencodable

__all__ = ["reason_of", "unencodable"]

# Fragments of the messages orjson and Python raise, and the label each gets (a closed set, so
# the metric's label has few values); anything else is labelled by its exception class.
_REASONS = (
    ("64-bit", "int_out_of_range"),
    ("int too big", "int_out_of_range"),
    ("too large to convert", "int_out_of_range"),
    ("not JSON serializable", "unsupported_type"),
    ("Dict key must be str", "non_text_key"),
    ("Recursion limit", "too_deep"),
    ("surrogates", "invalid_text"),
    ("UTF-8", "invalid_text"),
)
_ENVELOPE = ("device_id", "event_time", "site")


def reason_of(exc: BaseException) -> str:
    """A short label for why encoding failed: ``int_out_of_range``, ``unsupported_type``, ..."""
    text = str(exc)
    for fragment, reason in _REASONS:
        if fragment in text:
            return reason
    return type(exc).__name__


def unencodable(source: str, encoder: Encoder, reading: Reading, exc: Exception) -> Unencodable:
    """The error for ``reading``, naming the value that cannot be encoded when one alone fails."""
    field, value = _culprit(encoder, reading)
    return Unencodable(
        source,
        _text(reading.device_id),
        field,
        _short(value),
        reason_of(exc),
        f"{type(exc).__name__}: {exc}",
    )


def _culprit(encoder: Encoder, reading: Reading) -> tuple[str, Any]:
    """The first field whose value alone fails to encode (``*`` when none does alone)."""
    values = reading.values if isinstance(reading.values, dict) else {}
    if not _encodes(encoder, replace(reading, values={})):
        return next(
            ((n, getattr(reading, n)) for n in _ENVELOPE if not _envelope_ok(reading, n)),
            ("*", reading),
        )
    for name, value in values.items():
        if not _encodes(encoder, replace(reading, values={name: value})):
            return _text(name), value
    return "*", reading.values


def _envelope_ok(reading: Reading, name: str) -> bool:
    value = getattr(reading, name)
    if name == "event_time":
        return isinstance(value, datetime)
    return isinstance(value, str) or (name == "site" and value is None)


def _encodes(encoder: Encoder, reading: Reading) -> bool:
    try:
        encoder.json(reading, 0, 0)
    except Exception:  # any failure is the answer here
        return False
    return True


def _text(value: object) -> str:
    return value if isinstance(value, str) else repr(value)


def _short(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (a huge or broken value must not flood logs)."""
    if isinstance(value, str | bytes) and len(value) > limit:
        value = value[:limit]  # not a repr of megabytes only to cut it
    try:
        text = repr(value)
    except Exception as exc:  # an object whose repr raises still gets a name
        text = f"<{type(value).__name__}: repr failed: {exc}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
