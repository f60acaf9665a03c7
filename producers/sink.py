"""Where messages go: a ``Transport`` protocol, the kafka-python one, and an in-memory one.

API::

    transport = KafkaTransport(KafkaSettings(bootstrap="127.0.0.1:9092"))
    transport = open_transport(settings)              # the client ``settings.client`` names
    transport.send(topic, key, value, headers, done)  # done(None): acked; done(SinkError): failed
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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from producers.errors import SinkError, SinkUnavailable
from producers.security import KafkaSecurity, kafka_python_security

__all__ = [
    "Delivery",
    "KafkaSettings",
    "KafkaTransport",
    "MemoryTransport",
    "Sent",
    "Transport",
    "open_transport",
    "translate_kafka_error",
]

Delivery = Callable[[SinkError | None], None]
Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class KafkaSettings:
    """The producer settings the edge exposes; acks=all and idempotence are not optional.

    ``client`` picks the library (``open_transport``); ``security`` is translated for either
    (``producers.security``); ``api_version`` and ``extra`` are kafka-python's own.
    """

    bootstrap: str = "127.0.0.1:9092"
    compression: Literal["lz4", "zstd"] = "lz4"
    linger_ms: int = 20
    batch_size: int = 256 * 1024
    max_request_size: int = 8 * 1024 * 1024
    request_timeout_ms: int = 15_000
    delivery_timeout_ms: int = 60_000
    max_block_ms: int = 5_000
    reconnect_backoff_max_ms: int = 1_000
    client_id: str = "assay-edge"
    client: Literal["kafka-python", "librdkafka"] = "kafka-python"
    api_version: tuple[int, ...] | None = None
    extra: dict[str, object] = field(default_factory=dict)
    security: KafkaSecurity = field(default_factory=KafkaSecurity)

    def producer_config(self) -> dict[str, object]:
        """Keyword arguments for ``kafka.KafkaProducer``."""
        config: dict[str, object] = {
            "bootstrap_servers": self.bootstrap.split(","),
            "acks": "all",
            "enable_idempotence": True,
            "compression_type": self.compression,
            "linger_ms": self.linger_ms,
            "batch_size": self.batch_size,
            "max_request_size": self.max_request_size,
            "request_timeout_ms": self.request_timeout_ms,
            "delivery_timeout_ms": self.delivery_timeout_ms,
            "max_block_ms": self.max_block_ms,
            # kafka-python backs off up to 30 s between reconnects by default, so after an
            # outage a gateway would idle that long with the broker back; Java uses 1 s.
            "reconnect_backoff_max_ms": self.reconnect_backoff_max_ms,
            "client_id": self.client_id,
            **kafka_python_security(self.security),
            **self.extra,
        }
        if self.api_version:
            config["api_version"] = self.api_version
        return config


class Transport(Protocol):
    """Sends one message and reports its fate through ``done``, possibly from another thread."""

    def send(
        self, topic: str, key: bytes | None, value: bytes, headers: Headers, done: Delivery
    ) -> None:
        """Queue a message; raise ``SinkError`` when it cannot even be queued."""
        ...

    def flush(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for queued messages to be acknowledged or failed."""
        ...

    def close(self, timeout: float) -> None:
        """Flush, then release connections."""
        ...


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
        self, topic: str, key: bytes | None, value: bytes, headers: Headers, done: Delivery
    ) -> None:
        """Queue the message on the producer; ``done`` runs on kafka-python's I/O thread."""
        try:
            future = self._producer.send(topic, value=value, key=key, headers=headers)
        except Exception as exc:
            error = translate_kafka_error(topic, exc)
            if error.transient:
                raise error from exc
            done(error)  # refused for good (too large): the sender parks it rather than retry
            return
        report = _Report(topic, done)  # one object for both outcomes, not two closures
        future.add_callback(report)
        future.add_errback(report)

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
        from producers.librdkafka import LibrdkafkaTransport  # confluent-kafka: optional

        return LibrdkafkaTransport(settings)
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


class MemoryTransport:
    """An in-memory transport: records messages; acks at once unless told to fail or hold."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.fail_with: SinkError | None = None
        self.hold = False
        self._pending: list[Delivery] = []
        self._lock = threading.Lock()

    def send(
        self, topic: str, key: bytes | None, value: bytes, headers: Headers, done: Delivery
    ) -> None:
        """Record (unless failing) and ack now, or later with ``release()`` when holding."""
        if self.fail_with is not None and self.fail_with.transient:
            raise self.fail_with
        with self._lock:
            if self.fail_with is None:
                decoded = {k: v.decode() for k, v in headers}
                self.sent.append(Sent(topic, key, value, decoded))
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

    def flush(self, timeout: float) -> None:
        """Nothing to wait for."""

    def close(self, timeout: float) -> None:
        """Nothing to release."""
