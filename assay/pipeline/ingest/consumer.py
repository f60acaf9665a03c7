"""A Kafka partition read by the ingest consumer group, through confluent-kafka (librdkafka).

The consumer's life is explicit: created on first use, auto-commit off, offsets committed
only by the lander once the object exists, closed in ``finally`` by the caller's ``with``.
Client errors are translated to `KafkaUnavailable` (transient: the Airflow task retries), except
the broker's refusals (credentials, ACLs), which are `KafkaRefused`: no retry can cure them.
Every call is bounded: a request waits ``REQUEST_TIMEOUT_S``, a connection
``CONNECT_TIMEOUT_S``, a read ``READ_TIMEOUT_S`` and a synchronous commit, which librdkafka
retries while it looks for the group coordinator, about three requests' time (45 s).

librdkafka fetches and parses record batches in C on its own thread, where kafka-python
parsed every record in Python (half of an ingest task's time); the Airflow Kafka provider
depends on it already, and the edge keeps its light pure-Python client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from assay.config import Settings
from assay.errors import KafkaRefused, KafkaUnavailable
from assay.pipeline.ingest.deadletter import Record

if TYPE_CHECKING:
    from confluent_kafka import Consumer

READ_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 15.0
CONNECT_TIMEOUT_S = 10.0
_BATCH = 10_000  # messages per consume() call
#: librdkafka's names of the broker's refusals: wrong credentials, or no ACL allows it.
REFUSED = frozenset(
    {
        "_AUTHENTICATION",
        "SASL_AUTHENTICATION_FAILED",
        "TOPIC_AUTHORIZATION_FAILED",
        "GROUP_AUTHORIZATION_FAILED",
        "CLUSTER_AUTHORIZATION_FAILED",
    }
)


#: Where librdkafka's own log lines go (instead of straight to standard error): Airflow's task
#: log in a task; nowhere in the `assay` command, which reports errors itself.
LIBRDKAFKA_LOG = logging.getLogger("assay.librdkafka")


def ingest_group(contract: str) -> str:
    """The consumer group whose committed offsets say how far a contract is landed."""
    return f"assay-ingest.{contract}"


def _config(settings: Settings, refusals: _Refusals) -> dict[str, Any]:
    from schemas.kafka_security import librdkafka_security

    return {
        "error_cb": refusals,
        "bootstrap.servers": settings.bootstrap,
        "client.id": "assay-ingest",
        "socket.timeout.ms": int(REQUEST_TIMEOUT_S * 1000),
        "socket.connection.setup.timeout.ms": int(CONNECT_TIMEOUT_S * 1000),
        # back within a second of a broker's restart (the default backs off up to 10 s)
        "reconnect.backoff.max.ms": 1000,
        "log_level": 3,  # errors only: retries while a broker restarts are expected
        "logger": LIBRDKAFKA_LOG,
        **librdkafka_security(settings.kafka_security()),
    }


class KafkaPartition:
    """One partition of one topic, read in bounded offset ranges."""

    def __init__(self, settings: Settings, topic: str, partition: int, group: str) -> None:
        self.topic = topic
        self.partition = partition
        self._settings = settings
        self._group = group
        self._consumer: Consumer | None = None
        self._taken = -1  # the offset after the last message taken from librdkafka's queue
        self._refusals = _Refusals()

    def __enter__(self) -> KafkaPartition:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            consumer.close()  # auto-commit is off: closing commits nothing

    def _tp(self, offset: int | None = None) -> Any:
        from confluent_kafka import TopicPartition

        if offset is None:
            return TopicPartition(self.topic, self.partition)
        return TopicPartition(self.topic, self.partition, offset)

    def _client(self) -> Consumer:
        if self._consumer is None:
            from confluent_kafka import Consumer

            with _translated(self.topic):
                config = _config(self._settings, self._refusals)
                config.update(
                    {
                        "group.id": self._group,
                        "enable.auto.commit": False,
                        "enable.auto.offset.store": False,
                        "auto.offset.reset": "earliest",
                        "isolation.level": "read_uncommitted",
                        "max.partition.fetch.bytes": 16 * 1024 * 1024,
                        "fetch.max.bytes": 64 * 1024 * 1024,
                        # librdkafka prefetches ahead of the reader: bound it (per partition)
                        "queued.max.messages.kbytes": 32 * 1024,
                        # ...but once past the bound it waits a whole second (the default)
                        # before fetching again: 0.4 s of every 16 MB frame segment
                        "fetch.queue.backoff.ms": 10,
                        # a fetch the broker parks at the log end holds the connection, and
                        # the offset queries and commits queued behind it (default 500 ms)
                        "fetch.wait.max.ms": 100,
                    }
                )
                self._consumer = Consumer(config)
        return self._consumer

    def _refusal(self) -> Any:
        return self._refusals.find(self._consumer)

    def committed(self) -> int | None:
        """The group's committed offset for this partition, or None if it never committed."""
        with _translated(self.topic, self._refusal):
            (tp,) = self._client().committed([self._tp()], timeout=REQUEST_TIMEOUT_S)
        _raise_for(self.topic, tp.error)
        return tp.offset if tp.offset >= 0 else None

    def bounds(self) -> tuple[int, int]:
        """The first and the next-to-be-written offset of the partition."""
        with _translated(self.topic):
            low, high = self._client().get_watermark_offsets(
                self._tp(), timeout=REQUEST_TIMEOUT_S, cached=False
            )
        return int(low), int(high)

    def read(self, start: int, end: int, max_bytes: int | None) -> tuple[list[Record], int]:
        """Records from ``start`` up to ``end`` (or until ``max_bytes``), and where it stopped."""
        consumer, topic, partition = self._client(), self.topic, self.partition
        records: list[Record] = []
        append = records.append
        size, position, deadline = 0, start, time.monotonic() + READ_TIMEOUT_S
        with _translated(topic):
            if start != self._taken:  # else go on from librdkafka's prefetched messages
                consumer.assign([self._tp(start)])
            while position < end:
                if time.monotonic() > deadline:
                    problem = f"offsets {start}-{end} of partition {partition} unread"
                    raise KafkaUnavailable(topic, f"{problem} after {READ_TIMEOUT_S:.0f}s")
                # consume(n, timeout) waits until it has n messages or the timeout passes:
                # take what is fetched already, and block only while nothing is
                want = min(_BATCH, end - position)
                messages = consumer.consume(want, timeout=0) or consumer.consume(1, timeout=1.0)
                if not messages:  # skip what is not a record (transaction markers)
                    (tp,) = consumer.position([self._tp()])
                    position = max(position, tp.offset)
                    continue
                for message in messages:  # an error event carries no offset: name it first
                    if message.error() is not None:
                        _raise_for(topic, message.error())
                self._taken = messages[-1].offset() + 1  # type: ignore[operator]
                for message in messages:
                    offset: int = message.offset()  # type: ignore[assignment]
                    if offset >= end:
                        return records, end
                    value = message.value()
                    append(
                        Record(
                            topic,
                            partition,
                            offset,
                            message.timestamp()[1],
                            message.key(),
                            value,
                            _headers(message.headers()),
                        )
                    )
                    position = offset + 1
                    size += len(value or b"")
                    if max_bytes is not None and size >= max_bytes:
                        return records, position
        return records, end

    def commit(self, offset: int, metadata: str) -> None:
        """Commit ``offset`` (the next to read) with ``metadata`` for the group, synchronously."""
        from confluent_kafka import TopicPartition

        tp = TopicPartition(self.topic, self.partition, offset, metadata=metadata)
        with _translated(self.topic, self._refusal):
            (done,) = self._client().commit(offsets=[tp], asynchronous=False) or [tp]
        _raise_for(self.topic, done.error)


def backlog(settings: Settings, topic: str, group: str) -> dict[int, int]:
    """Records after ``group``'s committed offset in each partition of ``topic`` (all of a
    partition's retained records where the group never committed).

    An estimate for planning work, read in one consumer's few requests: a range landed but
    not yet committed still counts, and the landing itself finds it and skips it.
    """
    return {
        p: max(0, high - max(low, committed if committed is not None else low))
        for p, (low, high, committed) in positions(settings, topic, group).items()
    }


def positions(settings: Settings, topic: str, group: str) -> dict[int, tuple[int, int, int | None]]:
    """Each partition's log start, log end and ``group``'s committed offset (None if none)."""
    from confluent_kafka import Consumer, TopicPartition

    refusals = _Refusals()
    with _translated(topic):
        config = _config(settings, refusals)
        consumer = Consumer({**config, "group.id": group, "enable.auto.commit": False})
    try:
        with _translated(topic, lambda: refusals.find(consumer)):
            found = consumer.list_topics(topic, timeout=REQUEST_TIMEOUT_S).topics.get(topic)
            if found is None or found.error is not None or not found.partitions:
                raise KafkaUnavailable(topic, "no such topic; create it with `assay topics ensure`")
            tps = [TopicPartition(topic, p) for p in sorted(found.partitions)]
            out: dict[int, tuple[int, int, int | None]] = {}
            for tp in consumer.committed(tps, timeout=REQUEST_TIMEOUT_S):
                _raise_for(topic, tp.error)
                low, high = consumer.get_watermark_offsets(
                    TopicPartition(topic, tp.partition), timeout=REQUEST_TIMEOUT_S, cached=False
                )
                out[tp.partition] = (low, high, tp.offset if tp.offset >= 0 else None)
            return out
    finally:
        consumer.close()


_value = itemgetter(1)


def _headers(pairs: Any) -> tuple[tuple[str, bytes], ...]:
    """Headers as the decoder takes them; a header without a value becomes empty bytes."""
    if not pairs:
        return ()
    # Every value present and non-empty, asked in C: 0.22 µs for the edge's seven headers,
    # against 0.56 for comparing every name and value with None.
    if all(map(_value, pairs)):
        return tuple(pairs)
    return tuple((k, v or b"") for k, v in pairs)  # rare: rebuilt in Python


def _raise_for(topic: str, error: Any) -> None:
    """Raise a client-reported error (a message's or an offset's) as our error."""
    if error is not None:
        raise _ours(topic, error)


def _ours(topic: str, error: Any) -> KafkaUnavailable | KafkaRefused:
    """A librdkafka ``KafkaError``: refused for good, or unavailable for now."""
    if error.name() in REFUSED:
        return KafkaRefused(topic, error.name(), error.str())
    return KafkaUnavailable(topic, f"{error.name()}: {error.str()}")


@contextmanager
def _translated(topic: str, refusal: Callable[[], Any] = lambda: None) -> Iterator[None]:
    """librdkafka's exceptions as ours; a timeout that hid the broker's refusal as the refusal."""
    from confluent_kafka import KafkaException

    try:
        yield
    except KafkaException as exc:
        error: Any = exc.args[0] if exc.args else None
        if not hasattr(error, "name"):
            raise KafkaUnavailable(topic, str(exc)) from exc
        if error.name() == "_TIMED_OUT":
            error = refusal() or error
        raise _ours(topic, error) from exc


class _Refusals:
    """The broker's refusals that a timed-out request waited on.

    librdkafka does not fail a request the broker refuses for good: it retries until the request
    times out, and reports wrong credentials to the ``error_cb`` (this object) and a group
    without an ACL as a consumer event. Both are served by ``poll``, which ``find`` calls only
    on an unassigned consumer, so that no record is taken from the reader.
    """

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def __call__(self, error: Any) -> None:
        if error.name() in REFUSED:
            self.seen.append(error)

    def find(self, consumer: Consumer | None) -> Any:
        """The first refusal reported so far, polling for it briefly; None if there is none."""
        if consumer is None or consumer.assignment():
            return None
        wait = 0.5
        for _ in range(20):  # client-wide events come first (brokers down): look past them
            event = consumer.poll(wait)
            if self.seen or event is None:
                break
            if (error := event.error()) is not None and error.name() in REFUSED:
                return error
            wait = 0.0
        return self.seen[0] if self.seen else None
