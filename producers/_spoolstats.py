"""What ``assay-edge status`` reads of a spool: its depth, oldest entries and counters.

Kept apart from `producers.spool` so the status path (read-only, while the gateway runs)
is one small function over the database the spool writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

__all__ = ["SpoolStats", "stats_of"]


@dataclass(frozen=True)
class SpoolStats:
    """What ``assay-edge status`` shows."""

    messages: int
    readings: int
    bytes: int
    never_sent: int
    oldest_ms: int | None
    oldest_unsent_ms: int | None
    next_seq: int
    dropped: int
    parked: int
    producer_id: str | None


def stats_of(db: sqlite3.Connection) -> SpoolStats:
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    through = int(meta.get("sent_through", -1))
    messages, readings, size, never, oldest = db.execute(
        "SELECT count(*), coalesce(sum(count), 0), coalesce(sum(length(value)), 0),"
        " coalesce(sum(sent = 0 AND seq > ?), 0), min(spooled_ms) FROM message",
        (through,),
    ).fetchone()
    unsent = db.execute(
        "SELECT min(spooled_ms) FROM message WHERE sent = 0 AND seq > ?", (through,)
    ).fetchone()[0]
    parked = db.execute("SELECT coalesce(sum(count), 0) FROM parked").fetchone()[0]
    return SpoolStats(
        messages=messages,
        readings=readings,
        bytes=size,
        never_sent=never,
        oldest_ms=oldest,
        oldest_unsent_ms=unsent,
        next_seq=int(meta.get("next_seq", 0)),
        dropped=int(meta.get("dropped", 0)),
        parked=parked,
        producer_id=meta.get("producer_id"),
    )
