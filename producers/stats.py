"""Live counters of one edge run, read by the terminal progress and the ``/metrics`` endpoint.

Each counter is written by one thread only (sources by their own thread, spooling by the
writer, sending by the sender), so plain integers suffice; readers tolerate a stale value.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["LastError", "Stats"]


@dataclass(frozen=True)
class LastError:
    """The most recent problem, for the progress line and ``/health``."""

    where: str
    message: str
    at: float


@dataclass
class Stats:
    """Counters of readings in, spooled, sent, acknowledged and lost, plus the last error."""

    started: float = field(default_factory=time.time)
    read: Counter[str] = field(default_factory=Counter)  # readings per source
    source_errors: Counter[tuple[str, str]] = field(default_factory=Counter)  # (source, kind)
    unencodable: Counter[tuple[str, str]] = field(default_factory=Counter)  # (source, reason)
    #: values converted to contract units, by (source, field, from unit, to unit)
    converted: Counter[tuple[str, ...]] = field(default_factory=Counter)
    #: spool errors by (operation, SQLite code): ``append`` by the writer, ``send`` by the sender
    spool_errors: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: operations whose spool calls fail now, with the first failure (cleared on success)
    spool_failing: dict[str, LastError] = field(default_factory=dict)
    spooled_readings: int = 0
    spooled_messages: int = 0
    sent_messages: int = 0
    replayed_messages: int = 0
    acked_readings: int = 0
    acked_messages: int = 0
    send_errors: int = 0
    parked_readings: int = 0
    #: status reports Kafka acknowledged, and those that could not be made or sent
    status_reports: int = 0
    status_errors: int = 0
    last_ack: float | None = None
    kafka_connected: bool = False
    last_error: LastError | None = None

    def error(self, where: str, exc: BaseException | str) -> None:
        """Remember ``exc`` as the last error seen at ``where``."""
        self.last_error = LastError(where, str(exc), time.time())
