"""The edge's side of the ledger: per topic, which readings it spooled and what became of them.

Sequence numbers are per producer, shared by all its topics, and sources interleave, so a
topic's seqs are not one range. The spool therefore keeps, in the same transactions as the
messages themselves, only what stays small for months of running:

* ``topic_ledger``: per topic its contract, the readings spooled, the first and last seq;
* ``dropped_range``: one row per message ``drop_oldest`` removed (seq, count, topic) —
  rare, and exactly the readings the pipeline must not expect;
* ``meta.ledger_since``: the seq the ledger starts at (a spool older than the ledger
  counts from there).

`read_ledger` adds what the spool still holds (never acknowledged) and what Kafka refused
(parked), both as seq ranges per topic, and derives ``sent = spooled - held - dropped -
parked``: the readings Kafka acknowledged, which the pipeline must find. ``assay-edge status
--json`` exports it; ``assay release create --edge-status`` reads it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from producers.encoding import Message

SCHEMA = """
CREATE TABLE IF NOT EXISTS topic_ledger (
    topic TEXT PRIMARY KEY, contract TEXT NOT NULL, spooled INTEGER NOT NULL,
    first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dropped_range (
    seq INTEGER PRIMARY KEY, count INTEGER NOT NULL, topic TEXT NOT NULL);
"""
_UPSERT = """
INSERT INTO topic_ledger VALUES (?, ?, ?, ?, ?)
ON CONFLICT (topic) DO UPDATE SET spooled = spooled + excluded.spooled,
    first_seq = min(first_seq, excluded.first_seq), last_seq = max(last_seq, excluded.last_seq)
"""


def start(db: sqlite3.Connection, next_seq: int) -> None:
    """Create the tables; a spool without a ledger starts counting at ``next_seq``."""
    with db:
        db.executescript(SCHEMA)
        db.execute("INSERT OR IGNORE INTO meta VALUES ('ledger_since', ?)", (str(next_seq),))


def record_append(db: sqlite3.Connection, messages: Sequence[Message]) -> None:
    """Count a batch per topic; called inside the append's transaction."""
    per: dict[str, list[Any]] = {}
    for m in messages:
        row = per.setdefault(m.topic, [m.topic, m.contract, 0, m.seq, m.seq])
        row[2] += m.count
        row[3], row[4] = min(row[3], m.seq), max(row[4], m.seq + m.count - 1)
    db.executemany(_UPSERT, list(per.values()))


def record_drop(db: sqlite3.Connection, seq: int, count: int, topic: str) -> None:
    """Remember a message ``drop_oldest`` removed; inside the drop's transaction."""
    db.execute("INSERT OR REPLACE INTO dropped_range VALUES (?, ?, ?)", (seq, count, topic))


def read_ledger(db: sqlite3.Connection) -> dict[str, Any]:
    """Per topic: spooled, held, dropped, parked (with seq ranges) and sent."""
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    since = int(meta.get("ledger_since", 0))
    topics: dict[str, Any] = {}
    for topic, contract, spooled, first, last in db.execute("SELECT * FROM topic_ledger"):
        held = _ranges(db, "message", topic, since)
        dropped = _ranges(db, "dropped_range", topic, since)
        parked = _ranges(db, "parked", topic, since)
        gone = sum(_count(r) for r in (held, dropped, parked))
        topics[topic] = {
            "contract": contract,
            "spooled": spooled,
            "first_seq": first,
            "last_seq": last,
            "sent": spooled - gone,
            "held": _count(held),
            "held_ranges": held,
            "dropped": _count(dropped),
            "dropped_ranges": dropped,
            "parked": _count(parked),
            "parked_ranges": parked,
        }
    return {"since_seq": since, "next_seq": int(meta.get("next_seq", 0)), "topics": topics}


def read_ledger_if_any(db: sqlite3.Connection) -> dict[str, Any]:
    """`read_ledger`, or an empty one for a spool no ledger-keeping edge has opened yet."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "topic_ledger" not in tables:
        return {"since_seq": None, "next_seq": None, "topics": {}}
    return read_ledger(db)


def _ranges(db: sqlite3.Connection, table: str, topic: str, since: int) -> list[list[int]]:
    """A table's rows of one topic as joined inclusive ``[first, last]`` seq ranges."""
    runs: list[list[int]] = []
    query = f"SELECT seq, count FROM {table} WHERE topic = ? AND seq >= ? ORDER BY seq"
    for seq, count in db.execute(query, (topic, since)):
        if runs and runs[-1][1] + 1 == seq:
            runs[-1][1] = seq + count - 1
        else:
            runs.append([seq, seq + count - 1])
    return runs


def _count(ranges: list[list[int]]) -> int:
    return sum(last - first + 1 for first, last in ranges)
