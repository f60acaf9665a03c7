"""What every Kafka client of the edge shares: its settings and the ``Transport`` protocol.

``producers.sink`` (kafka-python), ``producers.librdkafka`` (confluent-kafka) and the
simulator's fault-injecting wrapper implement or wrap ``Transport``; they all import it from
here, so no client module imports another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from producers.errors import SinkError
from schemas.kafka_security import KafkaSecurity, kafka_python_security

__all__ = ["Delivery", "Headers", "KafkaSettings", "Transport", "WrappedTransport"]

Delivery = Callable[[SinkError | None], None]
Headers = list[tuple[str, bytes]]


@dataclass(frozen=True)
class KafkaSettings:
    """The producer settings the edge exposes; acks=all and idempotence are not optional.

    ``client`` picks the library (``open_transport``); ``security`` is translated for either
    (``schemas.kafka_security``); ``api_version`` and ``extra`` are
    kafka-python's own.
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
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: Headers,
        done: Delivery,
        partition: int | None = None,
    ) -> None:
        """Queue a message (to ``partition``, or where the client's partitioner puts it); raise
        ``SinkError`` when it cannot even be queued."""
        ...

    def partitions(self, topic: str) -> int | None:
        """How many partitions ``topic`` has, as the client knows it; None when it cannot say
        for good (the client's partitioner then picks); ``SinkUnavailable`` while Kafka is away."""
        ...

    def flush(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for queued messages to be acknowledged or failed."""
        ...

    def close(self, timeout: float) -> None:
        """Flush, then release connections."""
        ...


class WrappedTransport:
    """A transport that changes how messages are sent and leaves the rest to ``inner``:
    subclasses define ``send``; the partition count, flush and close are ``inner``'s."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner

    def partitions(self, topic: str) -> int | None:
        """``inner``'s partition count of ``topic``."""
        return self.inner.partitions(topic)

    def flush(self, timeout: float) -> None:
        """``inner``'s flush."""
        self.inner.flush(timeout)

    def close(self, timeout: float) -> None:
        """``inner``'s close."""
        self.inner.close(timeout)
