"""Where messages go: a ``Transport`` protocol, the kafka-python one, and an in-memory one.

API::

    transport = KafkaTransport(KafkaSettings(bootstrap="127.0.0.1:9092"))
    transport = open_transport(settings)              # the client ``settings.client`` names
    transport.send(topic, key, value, headers, done)  # done(None): acked; done(SinkError): failed
    transport.send(topic, key, value, headers, done, partition)  # to that partition
    transport.partitions(topic)                       # its partition count, as the client knows
    transport.flush(timeout);  transport.close(timeout)
    MemoryTransport()                                 # unit tests: records, acks or fails on demand

kafka-python errors are translated here, once: a timeout or a lost connection becomes
``SinkUnavailable`` (transient: the spool keeps the message and the sender retries); anything
Kafka will never accept (too large, not authorised, invalid) becomes a terminal ``SinkError``,
reported through ``done`` even when the client refuses the message at once, so that the sender
parks it instead of replaying it forever. ``producers.librdkafka`` is the optional second client
(``kafka.client: librdkafka``), with the same semantics.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from producers._transport import Delivery, Headers, KafkaSettings, Transport
from producers.errors import SinkError, SinkUnavailable
from producers.librdkafka import LibrdkafkaTransport

__all__ = [
    "Delivery",
    "Headers",
    "KafkaSettings",
    "KafkaTransport",
    "MemoryTransport",
    "Sent",
    "Transport",
    "open_transport",
    "translate_kafka_error",
]

_TERMINAL = (
    "MessageSizeTooLargeError",
    "RecordListTooLargeError",
    "InvalidTopicError",
    "TopicAuthorizationFailedError",
    "ClusterAuthorizationFailedError",
    "UnsupportedVersionError",
    "UnsupportedCompressionTypeError",
    "InvalidRecordError",
    "CorruptRecordError",
    "SaslAuthenticationFailedError",
)


def translate_kafka_error(topic: str, exc: BaseException) -> SinkError:
    """A kafka-python error as ``SinkError``; terminal only when a retry cannot help."""
    name = type(exc).__name__
    problem = f"{name}: {exc}"
    if name in _TERMINAL or isinstance(exc, ValueError | TypeError):  # a wrong setting
        return SinkError(topic, problem)
    return SinkUnavailable(topic, problem)


class KafkaTransport:
    """``kafka.KafkaProducer`` with acks=all, idempotence and compression."""

    def __init__(self, settings: KafkaSettings) -> None:
        from kafka import KafkaProducer  # the edge's default Kafka client

        from producers._partitioner import KeyedPartitioner

        config = {"partitioner": KeyedPartitioner(), **settings.producer_config()}
        try:
            self._producer = KafkaProducer(**config)
        except Exception as exc:  # kafka-python raises plain KafkaError subclasses and OSError
            raise translate_kafka_error(settings.bootstrap, exc) from exc

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: Headers,
        done: Delivery,
        partition: int | None = None,
    ) -> None:
        """Queue the message on the producer; ``done`` runs on kafka-python's I/O thread."""
        try:
            future = self._producer.send(
                topic, value=value, key=key, headers=headers, partition=partition
            )
        except Exception as exc:
            error = translate_kafka_error(topic, exc)
            if error.transient:
                raise error from exc
            done(error)  # refused for good (too large): the sender parks it rather than retry
            return
        report = _Report(topic, done)  # one object for both outcomes, not two closures
        future.add_callback(report)
        future.add_errback(report)

    def partitions(self, topic: str) -> int | None:
        """The topic's partition count from the producer's metadata (refreshed every five
        minutes, or at once for a topic it has not met: up to ``max_block_ms``)."""
        try:
            return len(self._producer.partitions_for(topic))
        except Exception as exc:
            error = translate_kafka_error(topic, exc)
            if error.transient:
                raise error from exc
            return None  # refused for good: the send says so, message by message

    def flush(self, timeout: float) -> None:
        """Block until the producer's buffer is empty or ``timeout`` passes."""
        try:
            self._producer.flush(timeout=timeout)
        except Exception as exc:
            raise translate_kafka_error("*", exc) from exc

    def close(self, timeout: float) -> None:
        """Close the producer, waiting up to ``timeout`` for in-flight messages.

        What is not acknowledged by then stays in the spool, so a flush that times out
        (Kafka away) is not an error here; the producer is closed either way.
        """
        try:
            self._producer.close(timeout=timeout)
        except Exception:
            # kafka-python flushes before it closes and, when the flush times out, raises
            # without closing (a retry would flush and raise again). Force its I/O thread
            # down: pending batches fail, their reports are ignored, the connections close.
            io_thread = getattr(self._producer, "_sender", None)
            if io_thread is not None:
                io_thread.force_close()


def open_transport(settings: KafkaSettings) -> Transport:
    """The transport of the client ``settings.client`` names: kafka-python unless librdkafka."""
    if settings.client == "librdkafka":
        return LibrdkafkaTransport(settings)  # imports confluent-kafka (optional) only here
    return KafkaTransport(settings)


class _Report:
    """A kafka-python future's outcome, as ``done(None)`` or ``done(SinkError)``."""

    __slots__ = ("done", "topic")

    def __init__(self, topic: str, done: Delivery) -> None:
        self.topic, self.done = topic, done

    def __call__(self, outcome: object) -> None:
        error = outcome if isinstance(outcome, BaseException) else None
        self.done(None if error is None else translate_kafka_error(self.topic, error))


@dataclass(frozen=True, slots=True)
class Sent:
    """One message as ``MemoryTransport`` received it."""

    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, str]
    partition: int | None = None


class MemoryTransport:
    """An in-memory transport: records messages; acks at once unless told to fail or hold.

    ``partition_count`` is what ``partitions`` answers for every topic (an operator may raise it).
    """

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.partition_count: int | None = 1
        self.fail_with: SinkError | None = None
        self.hold = False
        self._pending: list[Delivery] = []
        self._lock = threading.Lock()

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: Headers,
        done: Delivery,
        partition: int | None = None,
    ) -> None:
        """Record (unless failing) and ack now, or later with ``release()`` when holding."""
        if self.fail_with is not None and self.fail_with.transient:
            raise self.fail_with
        with self._lock:
            if self.fail_with is None:
                decoded = {k: v.decode() for k, v in headers}
                self.sent.append(Sent(topic, key, value, decoded, partition))
            if self.hold:
                self._pending.append(done)
                return
        done(self.fail_with)

    def release(self, error: SinkError | None = None) -> None:
        """Complete every held message with ``error`` (None: acknowledged)."""
        with self._lock:
            pending, self._pending = self._pending, []
        for done in pending:
            done(error)

    def partitions(self, topic: str) -> int | None:
        """``partition_count``, whatever the topic."""
        return self.partition_count

    def flush(self, timeout: float) -> None:
        """Nothing to wait for."""

    def close(self, timeout: float) -> None:
        """Nothing to release."""
