"""The partition count each spooled message was first sent with, by topic and seq range.

``producers.spool`` keeps table ``sent_partitions``: a row ``(topic, first_seq, partitions)``
says that from ``first_seq`` on the topic's messages were first sent with that many
partitions, up to the topic's next row. A row is written only when the count changes, so the
lookup is a bisect over a handful of rows held in memory.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections.abc import Mapping

__all__ = ["SCHEMA", "Counts", "changes", "count_at", "latest", "load", "record"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS sent_partitions (
    topic TEXT NOT NULL, first_seq INTEGER NOT NULL, partitions INTEGER NOT NULL,
    PRIMARY KEY (topic, first_seq));
"""
Counts = dict[str, list[tuple[int, int]]]  # topic: [(first_seq, partitions)], oldest first
_ABOVE = 1 << 62  # above any partition count: bisects to the last row at or before a seq


def load(db: sqlite3.Connection) -> Counts:
    """The spool's ``sent_partitions`` rows."""
    counts: Counts = {}
    for topic, first, count in db.execute("SELECT * FROM sent_partitions ORDER BY first_seq"):
        counts.setdefault(topic, []).append((first, count))
    return counts


def changes(
    counts: Counts, partitions: Mapping[str, int | None], first_seq: int
) -> list[tuple[str, int, int]]:
    """The rows to write for messages sent from ``first_seq`` on with ``partitions``."""
    return [
        (topic, first_seq, count)
        for topic, count in partitions.items()
        if count is not None and latest(counts, topic) != count
    ]


def record(counts: Counts, rows: list[tuple[str, int, int]]) -> None:
    """Add rows written by ``mark_sent`` to the ones in memory."""
    for topic, first, count in rows:
        counts.setdefault(topic, []).append((first, count))


def latest(counts: Counts, topic: str) -> int | None:
    """The count the topic's newest marked messages were sent with."""
    found = counts.get(topic)
    return found[-1][1] if found else None


def count_at(counts: Counts, topic: str, seq: int) -> int | None:
    """The count ``topic``'s message ``seq`` was first sent with; None if none was recorded
    (a message marked by an older version of the edge)."""
    found = counts.get(topic)
    if not found:
        return None
    at = bisect_right(found, (seq, _ABOVE)) - 1
    return found[at][1] if at >= 0 else None
