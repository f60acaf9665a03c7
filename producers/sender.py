"""The sender: moves messages from the spool to Kafka, oldest first, and removes them on ack.

API::

    sender = Sender(spool, connect=lambda: KafkaTransport(settings), producer_id="gw-01")
    sender.run(finish)     # thread body; after ``finish`` is set it drains, then returns
    sender.step()          # one round (unit tests drive this directly)
    sender.wake()          # the writer calls this after an append

Each round: settle deliveries (acks delete from the spool; a terminal error parks the message;
a transient one starts a rewind), then fetch the next messages after the cursor, mark them sent
(committed before they leave, which is what makes a later resend carry ``replay=1``) together
with each topic's partition count, and hand them to the transport, each to the partition its
key hashes to under that count — a resend under the count of its first send, so it reaches the
partition whose dedup watermark knows it (``producers.spool``, "Partitions"). At most
``window`` messages and ``window_bytes`` payload bytes are in flight, so a spool full of frames
after an outage is not read, or handed to the client, all at once.
A rewind waits until nothing is in flight (at most ``stall`` seconds: a
client that never reports back is abandoned), drops the transport (a fresh one is opened),
backs off, and restarts from the oldest message still spooled — so after an outage the spool
replays oldest-first with its original timestamps. Reports from an abandoned transport are
ignored; what they were about is still spooled and goes out again. An unexpected error in a
round is counted and treated as an outage: the sender thread never dies while the edge runs.
A transient spool error (disk full, I/O error, a lock) is counted (``Stats.spool_errors``, and
``/health`` says degraded until a round succeeds) and the round retried after a back-off, with
acknowledgements that could not be removed kept for the next try; any other spool error ends
the thread, and the edge exits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from producers._keyhash import partition_for
from producers.encoding import Message, headers
from producers.errors import SinkError, SinkUnavailable, SpoolError
from producers.sink import Transport
from producers.spool import Spool, Spooled
from producers.stats import LastError, Stats
from producers.status import StatusReports

__all__ = ["Sender"]

log = logging.getLogger(__name__)


class Sender:
    """Spool -> transport, with acks, parking, rewind on outage and a bounded window."""

    def __init__(
        self,
        spool: Spool,
        connect: Callable[[], Transport],
        producer_id: str,
        *,
        stats: Stats | None = None,
        window: int = 20_000,
        window_bytes: int = 16 * 1024 * 1024,
        fetch: int = 2_000,
        backoff: tuple[float, float] = (0.5, 10.0),
        stall: float = 90.0,
        status: StatusReports | None = None,
    ) -> None:
        self.spool = spool
        self.producer_id = producer_id
        self.stats = stats or Stats()
        self._connect = connect
        self._transport: Transport | None = None
        self._window, self._window_bytes, self._fetch = window, window_bytes, fetch
        self._inflight_bytes = 0
        self._backoff_range = backoff
        self._backoff = backoff[0]
        self._cursor = -1
        self._inflight: dict[int, Message] = {}
        self._done: deque[tuple[int, int, SinkError | None]] = deque()
        self._acked: list[int] = []  # acknowledged, not yet removed from the spool
        self._generation = 0  # bumped with every transport; older reports are ignored
        self._rewind = False
        self._rewind_since = 0.0
        self._stall = stall
        self._wake = threading.Event()
        self._status = status

    def wake(self) -> None:
        """Tell the sender new messages are spooled."""
        self._wake.set()

    @property
    def in_flight(self) -> int:
        """Messages handed to the transport and not yet settled."""
        return len(self._inflight)

    def run(self, finish: threading.Event, drain_timeout: float = 10.0) -> None:
        """Send until ``finish`` is set, then until the spool is empty or the drain times out."""
        while not finish.is_set():
            if not self._guarded_step():
                self._wake.wait(0.05)
                self._wake.clear()
            self.publish_status()
        deadline = time.monotonic() + drain_timeout
        while time.monotonic() < deadline and (self.spool.readings or self._inflight):
            if not self._guarded_step():
                time.sleep(0.02)
        left = max(0.0, deadline - time.monotonic())
        self.close(max(left, 1.0) if self.publish_status(final=True) else left)

    def publish_status(self, final: bool = False) -> bool:
        """Hand the transport a status report if one is due (``final``: the last one, after
        the drain); True when one was handed over. Never raises: a report is not worth a
        sender round (``producers.status``)."""
        status, transport = self._status, self._transport
        if status is None or transport is None or status.interval_s <= 0:
            return False
        if not (final or status.due()):
            return False
        try:
            record = status.record(final)
            if record is None:
                raise SinkError(status.producer_id, "status report too large to send")
            transport.send(record.topic, record.key, record.value, record.headers,
                           self._status_delivered)  # fmt: skip
        except Exception as exc:  # a spool or client error: counted, the next report retries
            self._status_delivered(exc)
            return False
        return True

    def _status_delivered(self, error: BaseException | None) -> None:
        if error is None:
            self.stats.status_reports += 1
        else:
            self.stats.status_errors += 1
            self.stats.error("status", error)

    def _guarded_step(self) -> bool:
        """``step``, with any unexpected error handled as an outage instead of ending the thread."""
        try:
            did = self.step()
        except SpoolError as exc:
            if not exc.transient:
                raise  # a broken spool: the edge stops and is restarted (see ``Edge``)
            self._spool_failed(exc)
            return False
        except Exception as exc:  # a client bug must not stop the sending of a gateway
            log.exception("sender round failed; reconnecting")
            self._fail(SinkUnavailable("*", f"{type(exc).__name__}: {exc}"))
            self._abandon()
            self._start_rewind()
            return False
        if self.stats.spool_failing.pop("send", None) is not None:
            log.warning("the spool answers the sender again")
        return did

    def _spool_failed(self, exc: SpoolError) -> None:
        """Count and show a spool error, then wait before the next round tries again."""
        self.stats.spool_errors[("send", exc.code)] += 1
        self.stats.spool_failing.setdefault("send", LastError("spool", str(exc), time.time()))
        self.stats.error("spool", exc)
        delay = self._next_backoff()
        log.error("%s; the sender retries in %.1fs", exc, delay)
        time.sleep(delay)

    def close(self, timeout: float) -> None:
        """Flush and close the transport; what is not acknowledged stays spooled."""
        if self._transport is not None:
            self._transport.close(timeout)
            self._transport = None
        self._settle()

    def _abandon(self) -> None:
        """Drop the transport and forget what is in flight (it is all still spooled)."""
        transport, self._transport = self._transport, None
        self._generation += 1
        self._inflight.clear()
        self._inflight_bytes = 0
        if transport is not None:
            try:
                transport.close(0)
            except Exception:  # closing a broken client must not stop the sender either
                log.exception("closing the Kafka producer failed")

    def step(self) -> bool:
        """One round; True when it did something (so the caller need not wait)."""
        settled = self._settle()
        if self._rewind:
            return self._try_rewind() or settled
        if self._transport is None and not self._open():
            return False
        return self._dispatch() or settled

    def _open(self) -> bool:
        try:
            self._transport = self._connect()
        except SinkError as exc:
            self._fail(exc)
            time.sleep(self._next_backoff())
            return False
        self.stats.kafka_connected = True
        return True

    def _settle(self) -> bool:
        acked = self._acked
        while self._done:
            generation, seq, error = self._done.popleft()
            message = self._inflight.pop(seq, None) if generation == self._generation else None
            if message is None:
                continue
            self._inflight_bytes -= len(message.value)
            if error is None:
                acked.append(seq)
                self.stats.acked_messages += 1
            else:
                self._failed(message, error)
        if not acked:
            return False
        self.stats.acked_readings += self.spool.ack(acked)  # on a SpoolError, kept for a retry
        self._acked = []
        self.stats.last_ack, self.stats.kafka_connected = time.time(), True
        self._backoff = self._backoff_range[0]
        return True

    def _failed(self, message: Message, error: SinkError) -> None:
        self._fail(error)
        if error.transient:
            self._start_rewind()
            return
        try:
            self.spool.park(message.seq, str(error))
        except SpoolError:
            self._start_rewind()  # the message is still spooled: it is sent, and refused, again
            raise
        self.stats.parked_readings += message.count

    def _fail(self, error: SinkError) -> None:
        self.stats.send_errors += 1
        self.stats.kafka_connected = not error.transient
        self.stats.error("kafka", error)

    def _start_rewind(self) -> None:
        if not self._rewind:
            self._rewind, self._rewind_since = True, time.monotonic()

    def _try_rewind(self) -> bool:
        if self._inflight and time.monotonic() - self._rewind_since < self._stall:
            return False
        if self._inflight:
            log.warning(
                "%d messages unsettled after %.0fs; abandoning the producer",
                len(self._inflight),
                self._stall,
            )
        # A fresh producer after an outage: kafka-python's idempotent session may hold
        # sequence numbers of expired batches, and its reconnect back-off keeps growing
        # while the broker is away; a new one starts clean (resends carry replay=1 anyway).
        self._abandon()
        time.sleep(self._next_backoff())
        self._cursor, self._rewind = -1, False
        return True

    def _next_backoff(self) -> float:
        current = self._backoff
        self._backoff = min(self._backoff * 2, self._backoff_range[1])
        return current

    def _dispatch(self) -> bool:
        room = self._window - len(self._inflight)
        room_bytes = self._window_bytes - self._inflight_bytes
        if room <= 0 or room_bytes <= 0:
            return False
        batch = self.spool.fetch(self._cursor, min(room, self._fetch), room_bytes)
        if not batch:
            return False
        counts = self._partition_counts(batch)
        if counts is None:
            return False
        self.spool.mark_sent(batch[0].message.seq, batch[-1].message.seq, counts)
        for item in batch:
            if not self._send(item, _partition(item, counts[item.message.topic])):
                break
        return True

    def _partition_counts(self, batch: list[Spooled]) -> dict[str, int | None] | None:
        """Each topic's partition count as the transport knows it; None (and a rewind) while
        Kafka cannot say."""
        transport = self._transport
        assert transport is not None
        try:
            return {
                topic: transport.partitions(topic) for topic in {i.message.topic for i in batch}
            }
        except SinkError as exc:
            self._fail(exc)
            self._start_rewind()
            return None

    def _send(self, item: Spooled, partition: int | None) -> bool:
        message, transport = item.message, self._transport
        assert transport is not None
        seq, generation = message.seq, self._generation
        self._inflight[seq] = message  # before send: the ack may come before send returns
        self._inflight_bytes += len(message.value)
        try:
            transport.send(
                message.topic,
                message.key,
                message.value,
                headers(message, self.producer_id, item.sent),
                lambda error: self._done.append((generation, seq, error)),
                partition,
            )
        except SinkError as exc:
            if self._inflight.pop(seq, None) is not None:
                self._inflight_bytes -= len(message.value)
            self._fail(exc)
            self._start_rewind()
            return False
        self._cursor = seq
        self.stats.sent_messages += 1
        self.stats.replayed_messages += item.sent
        return True


def _partition(item: Spooled, partitions: int | None) -> int | None:
    """Where a message goes: its key's partition under the count its first send used (a resend
    after partitions were added stays where dedup sees it), else under today's count; None
    (the client picks) without a key or a count."""
    first = item.partitions
    if first is not None and (partitions is None or first <= partitions):
        partitions = first  # a topic re-created with fewer partitions: today's count instead
    return None if partitions is None else partition_for(item.message.key, partitions)
