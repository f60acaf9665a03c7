"""The writer: readings from every source thread -> encoded messages -> the spool, in batches.

API::

    writer = Writer(spool, encoders, stats, commit_readings=5000, commit_interval=0.1)
    writer.put(slot, reading, stop) -> bool     # source threads; blocks while the queue is full
    writer.run(finish)                          # thread body; drains the queue, then returns
    writer.spool_batch(items)                   # encode + append one batch (unit tests)

One thread owns the seq counter: it encodes a batch with seqs continuing ``spool.next_seq`` and
appends it in one transaction, together with the batch's last checkpoint per source. A batch
closes at ``commit_readings`` readings or ``commit_interval`` seconds, so the fsync is paid per
batch. When the spool blocks (full, ``block`` policy) the bounded queue fills and ``put`` blocks
the source threads: that is the back-pressure.

Frames: readings of a ``payload: frame`` source are grouped per (contract, device) within the
batch and cut every ``frame_readings``; a group that does not fit the Arrow schema falls back to
JSON messages.

Bad input never stops the writer: a reading that cannot be encoded at all (see
``producers.rejects``) is counted, logged and skipped without taking a seq, and its source's
checkpoint still moves past it. A transient spool error (disk full, I/O error, a lock) is
retried with back-off, keeping the encoded batch, and shown as ``failing`` (``/health`` says
degraded) until an append succeeds; any other spool error ends the thread, and the edge exits.

Batches: a ``ReadingBatch`` (columns of one device) takes the next ``count`` seqs in queue order
and becomes one frame message, or several when it holds more than ``frame_readings``; nothing
makes a Python object per reading. A commit closes at ``commit_readings`` *readings*, so a batch
counts for its rows, and a source thread waits while more than ``queue_size`` batched readings
(at least one batch) are queued: the back-pressure is in readings, not items.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from producers._reading import Reading, ReadingBatch
from producers.encoding import Encoder, Message
from producers.errors import SourceError, SpoolClosed, SpoolError, Unencodable
from producers.rejects import reason_of, unencodable
from producers.spool import Spool
from producers.stats import LastError, Stats

__all__ = ["Slot", "Writer"]

log = logging.getLogger(__name__)
Item = tuple["Slot", Reading | ReadingBatch]


@dataclass(frozen=True)
class Slot:
    """What the writer needs to know about the source a reading came from."""

    name: str
    payload: str = "json"
    frame_readings: int = 10_000


class Writer:
    """Batches readings into spool transactions; the only thread that assigns seqs."""

    def __init__(
        self,
        spool: Spool,
        encoders: Callable[[str], Encoder],
        stats: Stats | None = None,
        *,
        commit_readings: int = 5_000,
        commit_interval: float = 0.1,
        queue_size: int = 50_000,
        on_spooled: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        retry: tuple[float, float] = (0.5, 30.0),
    ) -> None:
        self.spool = spool
        self.stats = stats or Stats()
        self._encoders = encoders
        self._commit_readings = commit_readings
        self._commit_interval = commit_interval
        self._queue: queue.Queue[Item] = queue.Queue(maxsize=queue_size)
        self._batched = _Budget(max(queue_size, 1))  # readings queued in batches
        self._on_spooled = on_spooled
        self._clock = clock
        self._retry = retry
        self.unspooled = 0

    def put(self, slot: Slot, reading: Reading | ReadingBatch, stop: threading.Event) -> bool:
        """Queue a reading or a batch; blocks while full; False if ``stop`` was set meanwhile."""
        if isinstance(reading, ReadingBatch) and not self._batched.take(reading.count, stop):
            return False
        while True:
            try:
                self._queue.put((slot, reading), timeout=0.2)
                return True
            except queue.Full:
                if stop.is_set():
                    self._release([(slot, reading)])
                    return False

    def _release(self, items: Sequence[Item]) -> None:
        batched = sum(r.count for _, r in items if isinstance(r, ReadingBatch))
        if batched:
            self._batched.give(batched)

    def sync(self) -> None:
        """Wait until every queued reading is spooled."""
        self._queue.join()

    def run(self, finish: threading.Event) -> None:
        """Spool batches until ``finish`` is set and the queue is empty."""
        while not (finish.is_set() and self._queue.empty()):
            batch = self._collect()
            if not batch:
                continue
            try:
                self.spool_batch(batch)
            except SpoolClosed as exc:
                self._lost(batch, exc)
                return
            finally:
                self._release(batch)
                for _ in batch:
                    self._queue.task_done()

    def _lost(self, batch: list[Item], exc: SpoolClosed) -> None:
        self.unspooled += sum(r.count for _, r in batch) + self._queue.qsize()
        self.stats.error("spool", exc)
        log.error("%d readings could not be spooled before shutdown: %s", self.unspooled, exc)

    def _collect(self) -> list[Item]:
        try:
            batch = [self._queue.get(timeout=self._commit_interval)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self._commit_interval
        readings = batch[0][1].count
        while readings < self._commit_readings:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            batch.append(item)
            readings += item[1].count
        return batch

    def spool_batch(self, items: Sequence[Item]) -> None:
        """Encode ``items`` with the next seqs and append them (and checkpoints) in one commit."""
        ingest_ms = int(self._clock() * 1000)
        checkpoints = {s.name: r.checkpoint for s, r in items if r.checkpoint is not None}
        messages = self._encode(items, ingest_ms)
        self._append(messages, checkpoints)
        self.stats.spooled_readings += sum(m.count for m in messages)
        self.stats.spooled_messages += len(messages)
        self._on_spooled()

    def _append(self, messages: list[Message], checkpoints: dict[str, str]) -> None:
        """Append; a transient spool error is retried with back-off, the batch kept meanwhile."""
        delay = self._retry[0]
        while True:
            try:
                self.spool.append(messages, checkpoints)
            except SpoolError as exc:
                if isinstance(exc, SpoolClosed) or not exc.transient:
                    raise
                self._failing(exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, self._retry[1])
                continue
            break
        if self.stats.spool_failing.pop("append", None) is not None:
            log.warning("spool appends work again")

    def _failing(self, exc: SpoolError, delay: float) -> None:
        self.stats.spool_errors[("append", exc.code)] += 1
        self.stats.spool_failing.setdefault("append", LastError("spool", str(exc), time.time()))
        self.stats.error("spool", exc)
        log.error("%s; %d readings wait, retrying in %.1fs", exc, self._queue.qsize(), delay)

    def _encode(self, items: Sequence[Item], ingest_ms: int) -> list[Message]:
        messages: list[Message] = []
        seq = self.spool.next_seq
        frames: dict[tuple[str, str, int], list[tuple[str, Reading]]] = defaultdict(list)
        for slot, reading in items:
            encoder = self._encoder(slot, reading)
            if encoder is None:
                continue
            if isinstance(reading, ReadingBatch):
                seq = self._columns(encoder, slot, reading, seq, ingest_ms, messages)
            elif slot.payload == "frame" and isinstance(reading.device_id, str):
                key = (reading.contract, reading.device_id, slot.frame_readings)
                frames[key].append((slot.name, reading))
            else:
                seq = self._json(encoder, [(slot.name, reading)], seq, ingest_ms, messages)
        for (contract, _device, size), readings in frames.items():
            for start in range(0, len(readings), size):
                chunk = readings[start : start + size]
                seq = self._frame(self._encoders(contract), chunk, seq, ingest_ms, messages)
        return messages

    def _json(
        self,
        encoder: Encoder,
        readings: Sequence[tuple[str, Reading]],
        seq: int,
        ingest_ms: int,
        out: list[Message],
    ) -> int:
        """Each reading as a JSON message; one that cannot be encoded is rejected, not fatal."""
        for source, reading in readings:
            try:
                out.append(encoder.json(reading, seq, ingest_ms))
            except Exception as exc:  # whatever a value does to the encoder, it is bad input
                self._reject(unencodable(source, encoder, reading, exc))
                continue
            seq += 1
        return seq

    def _reject(self, error: Unencodable, readings: int = 1) -> None:
        self.stats.unencodable[(error.source, error.reason)] += readings
        self.stats.error(error.source, error)
        log.warning("skipped %d unencodable reading(s): %s", readings, error)

    def _frame(
        self,
        encoder: Encoder,
        chunk: list[tuple[str, Reading]],
        seq: int,
        ingest_ms: int,
        out: list[Message],
    ) -> int:
        try:
            out.append(encoder.frame([r for _, r in chunk], seq, ingest_ms))
            return seq + len(chunk)
        except Exception as exc:  # any misfit: each reading is judged alone
            log.warning("frame of %d readings sent as JSON instead: %s", len(chunk), exc)
            return self._json(encoder, chunk, seq, ingest_ms, out)

    def _columns(
        self,
        encoder: Encoder,
        slot: Slot,
        batch: ReadingBatch,
        seq: int,
        ingest_ms: int,
        out: list[Message],
    ) -> int:
        """A batch as frames of at most ``frame_readings`` (slices share the batch's memory)."""
        size, columns = slot.frame_readings, batch.columns
        for start in range(0, batch.count, size):
            part = replace(batch, columns=columns.slice(start, size))
            try:
                out.append(encoder.columns(part, seq, ingest_ms))
                seq += part.count
            except Exception as exc:  # the rows go as JSON, judged alone
                log.warning("frame of %d readings sent as JSON instead: %s", part.count, exc)
                seq = self._rows(encoder, slot.name, part, seq, ingest_ms, out)
        return seq

    def _rows(
        self,
        encoder: Encoder,
        source: str,
        part: ReadingBatch,
        seq: int,
        ingest_ms: int,
        out: list[Message],
    ) -> int:
        """A batch's rows as JSON; rows that cannot even be read back are rejected together."""
        try:
            rows = part.readings()
        except Exception as exc:  # e.g. a timestamp beyond what Python's datetime holds
            problem = f"{type(exc).__name__}: {exc}"
            error = Unencodable(
                source, str(part.device_id), "*", f"<{part.count} rows>", reason_of(exc), problem
            )
            self._reject(error, part.count)
            return seq
        return self._json(encoder, [(source, r) for r in rows], seq, ingest_ms, out)

    def _encoder(self, slot: Slot, reading: Reading | ReadingBatch) -> Encoder | None:
        try:
            return self._encoders(reading.contract)
        except Exception as exc:  # unknown (LookupError) or unusable: the reading cannot go
            error = SourceError(
                slot.name, f"reading for unknown contract {reading.contract!r}: {exc}"
            )
            self.stats.source_errors[(slot.name, "unknown_contract")] += 1
            self.stats.error(slot.name, error)
            log.error("%s", error)
            return None


class _Budget:
    """Readings a bounded set of producers may hold; ``take`` waits for room, ``give`` returns it.

    One take larger than the whole budget is let through when nothing is held, so a single
    batch bigger than the bound still moves.
    """

    def __init__(self, limit: int) -> None:
        self._limit, self._held = limit, 0
        self._room = threading.Condition()

    def take(self, n: int, stop: threading.Event) -> bool:
        """Wait until ``n`` fit (or nothing is held); False when ``stop`` is set meanwhile."""
        with self._room:
            while self._held and self._held + n > self._limit:
                if stop.is_set():
                    return False
                self._room.wait(0.2)
            self._held += n
            return True

    def give(self, n: int) -> None:
        """Return ``n`` readings' room."""
        with self._room:
            self._held -= n
            self._room.notify_all()
