"""The durable spool: every message is on disk, with its sequence numbers, before it is sent.

API (stable; the sender, the CLI and the simulator use it)::

    spool = Spool(path, producer_id="gw-01", limits=SpoolLimits(...))
    spool.next_seq                         # the seq the next appended reading gets
    spool.append(messages, checkpoints={"mes": "..."})   # one transaction; may block when full
    spool.fetch(after_seq, limit, max_bytes) -> list[Spooled]        # oldest first
    spool.mark_sent(first_seq, last_seq, {topic: partitions})  # durable before the bytes leave
    spool.ack(seqs)                        # Kafka acknowledged: the messages leave the spool
    spool.park(seq, reason)                # Kafka can never take it: kept aside, counted
    spool.checkpoint(source) -> str | None
    spool.stats() -> SpoolStats;  read_stats(path) -> SpoolStats (read-only, while running)

Design. One SQLite database in WAL mode. Table ``message`` holds one row per Kafka message
(a JSON reading, or a frame of ``count`` readings with seqs ``seq .. seq+count-1``); table
``meta`` holds ``producer_id``, ``next_seq``, ``dropped`` and the sources' checkpoints.
``append`` writes the rows, advances ``next_seq`` and stores checkpoints in one transaction,
so seqs are gap-free across restarts and a file tail resumes exactly after what was spooled.
``mark_sent`` is committed before a message is handed to Kafka: after a crash, a message
that may have reached the broker is resent with the replay flag — the only duplicate. The
sender sends oldest first, so what may have left is always a prefix of the spool: the mark is
one watermark (``meta.sent_through``), not an UPDATE of every row — SQLite rewrites a whole
row on update, a frame's megabytes of payload included. (Rows of spools written before the
watermark keep their ``sent`` column, which still counts.) Spools written before the simulator
applied its own transport faults have a ``duplicate`` column: it is left in place, filled with
0 and never read, so those files open and replay as they are, without a rewrite.

Partitions: dedup is per partition, so a resend must reach its first send's partition even
after partitions were added. ``mark_sent`` keeps the topic's partition count the sender hashed
keys with in the watermark's commit (``producers._sentcounts``, a row per change of the count);
``Spooled.partitions`` gives it back. What older spools marked has none: hashed as before.

Durability: ``full`` runs ``synchronous=FULL`` (every commit is fsynced: survives power loss);
``normal`` runs ``synchronous=NORMAL`` (fsync at checkpoints only: survives ``kill -9`` and
crashes of the process, may lose the last commits on power loss). Callers batch readings into
few commits, so the fsync is paid per batch, not per reading.

When full (``max_readings`` or ``max_bytes``): ``block`` makes ``append`` wait until acks make
room (back-pressure reaches the source threads); ``drop_oldest`` deletes the oldest messages
and adds their readings to the persisted ``dropped`` counter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from producers import _ledger, _sentcounts
from producers._spoolstats import SpoolStats, stats_of
from producers._sqlite import Durability, connect, read_only, translated
from producers.encoding import Message
from producers.errors import SpoolClosed, SpoolError

__all__ = [
    "FullPolicy",
    "Spool",
    "SpoolLimits",
    "SpoolStats",
    "Spooled",
    "read_ledger",
    "read_stats",
]

FullPolicy = Literal["block", "drop_oldest"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
    seq INTEGER PRIMARY KEY, count INTEGER NOT NULL, topic TEXT NOT NULL, key BLOB,
    value BLOB NOT NULL, content_type TEXT NOT NULL, contract TEXT NOT NULL,
    version TEXT NOT NULL, quality TEXT,
    sent INTEGER NOT NULL DEFAULT 0, spooled_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS parked (
    seq INTEGER PRIMARY KEY, count INTEGER NOT NULL, topic TEXT NOT NULL, key BLOB,
    value BLOB NOT NULL, content_type TEXT NOT NULL, reason TEXT NOT NULL,
    parked_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_COLUMNS = "seq, count, topic, key, value, content_type, contract, version, quality"
_INSERT = f"INSERT INTO message ({_COLUMNS}, spooled_ms) VALUES (?,?,?,?,?,?,?,?,?,?)"
# Older spools: their NOT NULL ``duplicate`` column (once the simulator's fault mark) gets 0.
_INSERT_OLD = (
    f"INSERT INTO message ({_COLUMNS}, spooled_ms, duplicate) VALUES (?,?,?,?,?,?,?,?,?,?,0)"
)


@dataclass(frozen=True)
class SpoolLimits:
    """How big the spool may grow, what happens when it is full, and how hard it syncs."""

    max_readings: int = 10_000_000
    max_bytes: int = 2 * 1024**3
    when_full: FullPolicy = "block"
    durability: Durability = "full"


@dataclass(frozen=True, slots=True)
class Spooled:
    """A message read back from the spool; ``sent`` says it may have left before."""

    message: Message
    sent: bool
    partitions: int | None = None  # the topic's partition count at the first send, if known


class Spool:
    """A SQLite-backed, gap-free, size-bounded queue of messages for one producer."""

    def __init__(
        self, path: Path | str, producer_id: str, limits: SpoolLimits | None = None
    ) -> None:
        self.path = Path(path)
        self.limits = limits or SpoolLimits()
        self._lock = threading.Condition()
        self._closed = False
        self._db = connect(self.path, self.limits.durability, _SCHEMA + _sentcounts.SCHEMA)
        with translated(self.path, "cannot open"):
            self._claim(producer_id)
            self.producer_id = producer_id
            self.next_seq = int(self._meta("next_seq") or 0)
            _ledger.start(self._db, self.next_seq)
            self.sent_through = int(self._meta("sent_through") or -1)
            self.dropped = int(self._meta("dropped") or 0)
            self.readings, self.bytes = self._db.execute(
                "SELECT coalesce(sum(count), 0), coalesce(sum(length(value)), 0) FROM message"
            ).fetchone()
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(message)")}
            self._counts = _sentcounts.load(self._db)
        self._insert = _INSERT_OLD if "duplicate" in columns else _INSERT

    def _claim(self, producer_id: str) -> None:
        owner = self._meta("producer_id")
        if owner is None:
            with self._db:
                self._db.execute("INSERT INTO meta VALUES ('producer_id', ?)", (producer_id,))
        elif owner != producer_id:
            raise SpoolError(
                self.path,
                f"belongs to producer {owner!r}, not {producer_id!r}; sequence numbers are per "
                "producer, so one spool cannot serve two (use another spool path)",
            )

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # Writing -------------------------------------------------------------------------
    def append(
        self, messages: Sequence[Message], checkpoints: Mapping[str, str] | None = None
    ) -> None:
        """Store messages (their seqs must continue ``next_seq`` without a gap) in one commit.

        Under ``block`` this waits for room; ``close()`` ends the wait with ``SpoolClosed``.
        A failed commit (a ``SpoolError``, transient when the disk is full) changes nothing:
        the caller may append the same messages again.
        """
        self._check_contiguous(messages)
        readings = sum(m.count for m in messages)
        size = sum(len(m.value) for m in messages)
        with self._lock, translated(self.path, "append failed"):
            self._make_room(readings, size)
            self._write(messages, checkpoints or {}, readings, size)

    def _check_contiguous(self, messages: Sequence[Message]) -> None:
        expected = self.next_seq
        for message in messages:
            if message.seq != expected:
                raise SpoolError(self.path, f"seq {message.seq} appended, {expected} expected")
            expected += message.count

    def _make_room(self, readings: int, size: int) -> None:
        while self._over(readings, size) and not self._closed:
            if self.limits.when_full == "drop_oldest":
                self._drop_oldest(readings, size)
                return
            self._lock.wait(0.5)
        if self._closed:
            raise SpoolClosed(self.path, "closed")

    def _over(self, readings: int, size: int) -> bool:
        return self._exceeds(self.readings, self.bytes, readings, size)

    def _exceeds(self, held: int, held_bytes: int, readings: int, size: int) -> bool:
        if held == 0:  # an empty spool takes any one batch
            return False
        limits = self.limits
        return held + readings > limits.max_readings or held_bytes + size > limits.max_bytes

    def _drop_oldest(self, readings: int, size: int) -> None:
        # The counters change only once the deletion is committed: a failed commit keeps both.
        held, held_bytes, dropped = self.readings, self.bytes, self.dropped
        with self._db:
            while self._exceeds(held, held_bytes, readings, size):
                seq, count, length, topic = self._db.execute(
                    "DELETE FROM message WHERE seq = (SELECT min(seq) FROM message)"
                    " RETURNING seq, count, length(value), topic"
                ).fetchone()
                _ledger.record_drop(self._db, seq, count, topic)
                held, held_bytes, dropped = held - count, held_bytes - length, dropped + count
            self._db.execute("REPLACE INTO meta VALUES ('dropped', ?)", (str(dropped),))
        self.readings, self.bytes, self.dropped = held, held_bytes, dropped

    def _write(
        self, messages: Sequence[Message], checkpoints: Mapping[str, str], readings: int, size: int
    ) -> None:
        now = int(time.time() * 1000)
        rows = [
            (
                m.seq,
                m.count,
                m.topic,
                m.key,
                m.value,
                m.content_type,
                m.contract,
                m.version,
                m.quality,
                now,
            )
            for m in messages
        ]
        next_seq = self.next_seq + readings
        with self._db:
            self._db.executemany(self._insert, rows)
            _ledger.record_append(self._db, messages)
            self._db.execute("REPLACE INTO meta VALUES ('next_seq', ?)", (str(next_seq),))
            self._db.executemany(
                "REPLACE INTO meta VALUES (?, ?)",
                [(f"checkpoint:{k}", v) for k, v in checkpoints.items()],
            )
        self.next_seq, self.readings, self.bytes = (
            next_seq,
            self.readings + readings,
            self.bytes + size,
        )

    # Reading and acknowledging ----------------------------------------------------------
    def fetch(self, after_seq: int, limit: int, max_bytes: int | None = None) -> list[Spooled]:
        """Up to ``limit`` messages with ``seq > after_seq``, oldest first.

        With ``max_bytes`` it stops after the message that reaches that many payload bytes
        (the first always comes): rows are read one by one, so a spool of frames is never
        loaded whole.
        """
        out: list[Spooled] = []
        size = 0
        with self._lock, translated(self.path, "fetch failed"):
            rows = self._db.execute(
                f"SELECT {_COLUMNS}, sent OR seq <= ? FROM message WHERE seq > ?"
                " ORDER BY seq LIMIT ?",
                (self.sent_through, after_seq, limit),
            )
            for row in rows:
                sent = bool(row[9])
                counts = _sentcounts.count_at(self._counts, row[2], row[0]) if sent else None
                out.append(Spooled(_message(row), sent, counts))
                size += len(row[4])
                if max_bytes is not None and size >= max_bytes:
                    break
        return out

    def mark_sent(
        self, first_seq: int, last_seq: int, partitions: Mapping[str, int | None] | None = None
    ) -> None:
        """Record, durably, that messages in ``first_seq..last_seq`` are about to be sent, and
        with ``partitions`` (topic: partition count) the count the new ones are sent with.

        Messages go out oldest first, so this moves the watermark: every message up to
        ``last_seq`` then reads as possibly sent.
        """
        if last_seq <= self.sent_through:
            return  # a resend after a rewind: already marked
        changed = _sentcounts.changes(self._counts, partitions or {}, self.sent_through + 1)
        with self._lock, translated(self.path, "mark_sent failed"), self._db:
            self._db.execute("REPLACE INTO meta VALUES ('sent_through', ?)", (str(last_seq),))
            self._db.executemany("REPLACE INTO sent_partitions VALUES (?, ?, ?)", changed)
        self.sent_through = last_seq
        _sentcounts.record(self._counts, changed)

    def ack(self, seqs: Iterable[int]) -> int:
        """Remove acknowledged messages (by first seq); returns the readings removed."""
        ranges = _runs(sorted(seqs))
        if not ranges:
            return 0
        with self._lock, translated(self.path, "ack failed"):
            removed = self._remove(ranges)
            self._lock.notify_all()
        return removed

    def _remove(self, ranges: list[tuple[int, int]]) -> int:
        # Acks come in runs of consecutive seqs: one DELETE per run, not per message.
        readings = size = 0
        with self._db:
            for low, high in ranges:
                for count, length in self._db.execute(
                    "DELETE FROM message WHERE seq BETWEEN ? AND ? RETURNING count, length(value)",
                    (low, high),
                ).fetchall():
                    readings, size = readings + count, size + length
        self.readings -= readings
        self.bytes -= size
        return readings

    def park(self, seq: int, reason: str) -> None:
        """Move a message Kafka will never accept aside, so the stream goes on; it is counted."""
        with self._lock, translated(self.path, "park failed"):
            with self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO parked SELECT seq, count, topic, key, value,"
                    " content_type, ?, ? FROM message WHERE seq = ?",
                    (reason, int(time.time() * 1000), seq),
                )
                row = self._db.execute(
                    "DELETE FROM message WHERE seq = ? RETURNING count, length(value)", (seq,)
                ).fetchone()
            if row is not None:
                self.readings -= row[0]
                self.bytes -= row[1]
            self._lock.notify_all()

    def checkpoint(self, source: str) -> str | None:
        """The last checkpoint stored for ``source`` together with its readings."""
        with self._lock, translated(self.path, "checkpoint failed"):
            return self._meta(f"checkpoint:{source}")

    def ledger(self) -> dict[str, Any]:
        """Per topic: readings spooled, held, dropped, parked and sent (`producers._ledger`)."""
        with self._lock, translated(self.path, "ledger failed"):
            return _ledger.read_ledger(self._db)

    def stats(self) -> SpoolStats:
        """Depth, oldest entries, next seq and dropped/parked counts."""
        with self._lock, translated(self.path, "stats failed"):
            return stats_of(self._db)

    def close(self) -> None:
        """Wake any waiting appender (it raises ``SpoolClosed``) and close the database."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
            self._db.close()


def _runs(seqs: list[int]) -> list[tuple[int, int]]:
    """Sorted seqs as (first, last) runs of consecutive numbers."""
    runs: list[tuple[int, int]] = []
    for seq in seqs:
        if runs and seq == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], seq)
        else:
            runs.append((seq, seq))
    return runs


def _message(row: tuple[Any, ...]) -> Message:
    return Message(*row[:9])


def read_stats(path: Path | str) -> SpoolStats:
    """Stats of a spool file, read-only: safe while ``assay-edge run`` writes it."""
    return read_only(path, stats_of)


def read_ledger(path: Path | str) -> dict[str, Any]:
    """The spool's ledger (`producers._ledger`), read-only; empty before ``run`` made one."""
    return read_only(path, _ledger.read_ledger_if_any)
