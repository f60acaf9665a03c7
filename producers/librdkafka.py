"""The optional librdkafka transport: confluent-kafka behind the same ``Transport`` protocol.

API::

    transport = LibrdkafkaTransport(KafkaSettings(client="librdkafka"))  # EdgeConfigError if
    transport.send(topic, key, value, headers, done)                      # confluent-kafka is
    transport.send(topic, key, value, headers, done, partition)           # not installed
    transport.partitions(topic);  transport.flush(timeout);  transport.close(timeout)

kafka-python builds every record in Python; librdkafka builds them in C, which is what the edge
needs for JSON per reading (bench/README.md, "Producer"). The settings map one to one
(``librdkafka_config``). The sender names the partition of every keyed message
(``producers._keyhash``; a resend keeps its first send's); where it names none,
``partitioner: murmur2_random`` picks what kafka-python's and Java's default partitioner pick.

Delivery reports exist only where someone calls ``poll()``. A poller thread of the transport's
own serves them, as kafka-python's I/O thread does: the sender waits for acks without sending,
so polling on send alone would leave the last messages unreported, and the thread costs nothing
while it waits (inside librdkafka, without the GIL). ``send`` does not poll as well: with 50k
JSON readings, ``poll(0)`` on every send cost a median 16.6 CPU-µs per reading against 15.2.
A message that finds librdkafka's queue full makes ``send`` serve reports itself until there is
room or ``max_block_ms`` has passed (then ``SinkUnavailable``).

Errors are translated here, once, as for kafka-python: what librdkafka reports after retrying
(a timed-out message, a broker gone, a fatal idempotence error) is ``SinkUnavailable`` — the
sender opens a fresh producer and replays from the spool; what Kafka will never accept (too
large, not authorised, invalid) is a terminal ``SinkError``, reported through ``done`` even when
``produce`` refuses it at once, so the sender parks that message and goes on. Messages that
``close`` purges are not reported at all: they are still spooled.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from typing import Any

from producers._transport import Delivery, Headers, KafkaSettings
from producers.errors import EdgeConfigError, SinkError, SinkUnavailable
from schemas.kafka_security import librdkafka_security

__all__ = ["LibrdkafkaTransport", "librdkafka_config", "translate_librdkafka_error"]

log = logging.getLogger(__name__)

INSTALL = "pip install 'assay[edge-librdkafka]' (or pip install confluent-kafka)"

# librdkafka's name of each error a retry cannot help, with kafka-python's name of the same
# error where it has one (``producers.sink._TERMINAL``), so both clients park the same messages.
_TERMINAL: dict[str, str | None] = {
    "MSG_SIZE_TOO_LARGE": "MessageSizeTooLargeError",
    "RECORD_LIST_TOO_LARGE": "RecordListTooLargeError",
    "TOPIC_EXCEPTION": "InvalidTopicError",
    "TOPIC_AUTHORIZATION_FAILED": "TopicAuthorizationFailedError",
    "CLUSTER_AUTHORIZATION_FAILED": "ClusterAuthorizationFailedError",
    "UNSUPPORTED_VERSION": "UnsupportedVersionError",
    "UNSUPPORTED_COMPRESSION_TYPE": "UnsupportedCompressionTypeError",
    "INVALID_RECORD": "InvalidRecordError",
    "INVALID_MSG": "CorruptRecordError",
    "SASL_AUTHENTICATION_FAILED": "SaslAuthenticationFailedError",
    "INVALID_MSG_SIZE": None,
    "_BAD_MSG": None,
    "_INVALID_ARG": None,  # a wrong setting, as kafka-python's ValueError
    "_AUTHENTICATION": None,
}
# Reports of messages ``close`` gave up on: not failures, the spool still holds them.
_ABANDONED = frozenset({"_PURGE_QUEUE", "_PURGE_INFLIGHT", "_DESTROY"})
# How long a topic's partition count is trusted; an added partition gets new readings after it.
_METADATA_S = 30.0
_POLL_S = 0.1  # how long the poller waits for an event; bounds how long ``close`` waits for it


def translate_librdkafka_error(topic: str, error: Any) -> SinkError:
    """A ``KafkaError``, a ``KafkaException`` or a plain exception as ``SinkError``; terminal
    only when a retry cannot help."""
    if error.__class__.__name__ == "KafkaException" and error.args:
        error = error.args[0]
    if hasattr(error, "name") and hasattr(error, "str"):  # a confluent_kafka.KafkaError
        name, problem = error.name(), f"{error.name()}: {error.str()}"
    else:
        name, problem = type(error).__name__, f"{type(error).__name__}: {error}"
    if name in _TERMINAL or isinstance(error, ValueError | TypeError):
        return SinkError(topic, problem)
    return SinkUnavailable(topic, problem)


def librdkafka_config(settings: KafkaSettings) -> dict[str, object]:
    """librdkafka's configuration for the edge's settings (``api_version`` and ``extra`` are
    kafka-python's own and do not apply)."""
    return {
        "bootstrap.servers": settings.bootstrap,
        "acks": "all",
        "enable.idempotence": True,
        "compression.type": settings.compression,
        "linger.ms": settings.linger_ms,
        "batch.size": settings.batch_size,
        "message.max.bytes": settings.max_request_size,
        "request.timeout.ms": settings.request_timeout_ms,
        "message.timeout.ms": settings.delivery_timeout_ms,
        "reconnect.backoff.ms": min(100, settings.reconnect_backoff_max_ms),
        "reconnect.backoff.max.ms": settings.reconnect_backoff_max_ms,
        "client.id": settings.client_id,
        # Java's and kafka-python's default for keyed messages (murmur2), random without a key.
        "partitioner": "murmur2_random",
        # As kafka-python's buffer_memory: what a gateway holds in the client, not 1 GB.
        "queue.buffering.max.kbytes": 32 * 1024,
        # The broker closes idle connections after minutes; a gateway idles for hours.
        "log.connection.close": False,
        **librdkafka_security(settings.security),
    }


class LibrdkafkaTransport:
    """``confluent_kafka.Producer`` with acks=all, idempotence, compression and a poller."""

    def __init__(self, settings: KafkaSettings) -> None:
        try:
            from confluent_kafka import Producer
        except ImportError as exc:
            raise missing_client("<kafka settings>") from exc
        config = librdkafka_config(settings) | {"error_cb": _log_error, "logger": log}
        try:
            self._producer = Producer(config)
        except Exception as exc:  # KafkaException for a setting librdkafka refuses
            raise translate_librdkafka_error(settings.bootstrap, exc) from exc
        # confluent's stubs want list[tuple[str, str | bytes | None]]; a list is invariant.
        self._produce: Any = self._producer.produce
        self._max_block = settings.max_block_ms / 1000
        self._counts: dict[str, tuple[int, float]] = {}  # topic: (partitions, when asked)
        self._closed = False
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="kafka-delivery", daemon=True)
        self._poller.start()

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: Headers,
        done: Delivery,
        partition: int | None = None,
    ) -> None:
        """Queue the message; ``done`` runs on the poller thread (or the caller's, when full)."""
        report = partial(_report, done)
        chosen = -1 if partition is None else partition  # -1: librdkafka's partitioner picks
        deadline = 0.0
        while True:
            try:
                self._produce(
                    topic, value, key, partition=chosen, headers=headers, on_delivery=report
                )
                return
            except BufferError:  # librdkafka's queue is full: wait for reports, not forever
                deadline = deadline or time.monotonic() + self._max_block
                self._wait_for_room(topic, deadline)
            except Exception as exc:
                error = translate_librdkafka_error(topic, exc)
                if error.transient:
                    raise error from exc
                done(error)  # refused for good: the sender parks it rather than retry forever
                return

    def partitions(self, topic: str) -> int | None:
        """The topic's partition count, asked of the broker at most every ``_METADATA_S``."""
        known = self._counts.get(topic)
        if known is not None and time.monotonic() - known[1] < _METADATA_S:
            return known[0]
        try:
            found = self._producer.list_topics(topic, timeout=self._max_block).topics[topic]
        except Exception as exc:  # KafkaException: the broker did not answer in time
            raise SinkUnavailable(topic, f"cannot read the topic's metadata: {exc}") from exc
        if found.error is not None:
            error = translate_librdkafka_error(topic, found.error)
            if error.transient:
                raise error
            return None  # refused for good: the send says so, message by message
        self._counts[topic] = (len(found.partitions), time.monotonic())
        return len(found.partitions)

    def _wait_for_room(self, topic: str, deadline: float) -> None:
        """Serve reports for a moment; ``SinkUnavailable`` once ``max_block_ms`` has passed."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise SinkUnavailable(topic, f"the client's queue stayed full for {self._max_block:g}s")
        self._producer.poll(min(0.05, left))

    def flush(self, timeout: float) -> None:
        """Block until every queued message is reported or ``timeout`` passes."""
        try:
            self._producer.flush(timeout)
        except Exception as exc:
            raise translate_librdkafka_error("*", exc) from exc

    def close(self, timeout: float) -> None:
        """Flush for up to ``timeout``, then drop what is left and release the client.

        Never raises because Kafka is away: what is not acknowledged by then is purged unreported
        and stays in the spool, which sends it again (with ``replay=1``) through a new transport.
        """
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        self._poller.join()
        try:
            if self._producer.flush(timeout):
                self._producer.purge()
            close = getattr(self._producer, "close", None)  # before 2.13: destroyed when dropped
            if close is not None:
                close()  # its own flush serves the purged reports, then destroys the client
        except Exception:  # closing must not stop the sender, whatever the client says
            log.exception("closing the librdkafka producer failed")

    def _poll(self) -> None:
        """The poller thread: serve delivery reports and client events until ``close``."""
        while not self._stop.is_set():
            try:
                self._producer.poll(_POLL_S)
            except Exception:  # a report that raised; the next ones must still be served
                log.exception("a Kafka delivery report failed")


def _report(done: Delivery, error: Any, message: Any) -> None:
    """One delivery report as ``done(None)`` or ``done(SinkError)``."""
    if error is None:
        done(None)
    elif error.name() not in _ABANDONED:
        done(translate_librdkafka_error(message.topic() or "*", error))


def _log_error(error: Any) -> None:
    """librdkafka's client-wide errors (brokers down, a fatal idempotence error)."""
    if error.fatal():
        log.error("kafka producer failed for good, a new one is opened: %s", error.str())
    else:
        log.info("kafka: %s", error.str())


def missing_client(file: str) -> EdgeConfigError:
    """The error for ``kafka.client: librdkafka`` without confluent-kafka installed."""
    return EdgeConfigError(
        file, "kafka.client", "librdkafka needs the confluent-kafka package, not installed", INSTALL
    )
