"""A Kafka partition read by the ingest consumer group, through kafka-python.

The consumer's life is explicit: created on first use, auto-commit off, offsets committed
only by the lander once the object exists, closed in ``finally`` by the caller's ``with``.
Client errors are translated to `KafkaUnavailable` (transient: the Airflow task retries).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from assay.config import Settings
from assay.deadletter import Record
from assay.errors import KafkaUnavailable

if TYPE_CHECKING:
    from kafka import KafkaConsumer

READ_TIMEOUT_S = 60.0


def ingest_group(contract: str) -> str:
    """The consumer group whose committed offsets say how far a contract is landed."""
    return f"assay-ingest.{contract}"


class KafkaPartition:
    """One partition of one topic, read in bounded offset ranges."""

    def __init__(self, settings: Settings, topic: str, partition: int, group: str) -> None:
        self.topic = topic
        self.partition = partition
        self._settings = settings
        self._group = group
        self._consumer: KafkaConsumer | None = None

    def __enter__(self) -> KafkaPartition:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
            self._consumer = None

    @property
    def _tp(self) -> Any:
        from kafka import TopicPartition

        return TopicPartition(self.topic, self.partition)

    def _client(self) -> KafkaConsumer:
        if self._consumer is None:
            from kafka import KafkaConsumer

            with _translated(self.topic):
                self._consumer = KafkaConsumer(
                    bootstrap_servers=self._settings.bootstrap,
                    group_id=self._group,
                    enable_auto_commit=False,
                    auto_offset_reset="earliest",
                    max_partition_fetch_bytes=16 * 1024 * 1024,
                    fetch_max_bytes=64 * 1024 * 1024,
                    max_poll_records=50_000,
                )
                self._consumer.assign([self._tp])
        return self._consumer

    def committed(self) -> int | None:
        with _translated(self.topic):
            return self._client().committed(self._tp)

    def bounds(self) -> tuple[int, int]:
        consumer, tp = self._client(), self._tp
        with _translated(self.topic):
            return consumer.beginning_offsets([tp])[tp], consumer.end_offsets([tp])[tp]

    def read(self, start: int, end: int, max_bytes: int | None) -> tuple[list[Record], int]:
        consumer, tp = self._client(), self._tp
        records: list[Record] = []
        size, deadline = 0, time.monotonic() + READ_TIMEOUT_S
        with _translated(self.topic):
            consumer.seek(tp, start)
            while consumer.position(tp) < end:
                if time.monotonic() > deadline:
                    problem = f"offsets {start}-{end} of partition {self.partition} unread"
                    raise KafkaUnavailable(self.topic, f"{problem} after {READ_TIMEOUT_S:.0f}s")
                for message in consumer.poll(timeout_ms=1000).get(tp, []):
                    if message.offset >= end:
                        return records, end
                    records.append(_record(message))
                    size += len(message.value or b"")
                    if max_bytes is not None and size >= max_bytes:
                        return records, message.offset + 1
        return records, end

    def commit(self, offset: int, metadata: str) -> None:
        from kafka.structs import OffsetAndMetadata

        with _translated(self.topic):
            self._client().commit({self._tp: OffsetAndMetadata(offset, metadata, -1)})


def _record(message: Any) -> Record:
    headers = tuple((k, v or b"") for k, v in (message.headers or []))
    return Record(
        message.topic,
        message.partition,
        message.offset,
        message.timestamp,
        message.key,
        message.value,
        headers,
    )


def partitions_of(settings: Settings, topic: str) -> list[int]:
    """The partitions of a topic, or `KafkaUnavailable` if the topic does not exist."""
    from kafka import KafkaConsumer

    with _translated(topic):
        consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap)
        try:
            found = consumer.partitions_for_topic(topic)
        finally:
            consumer.close()
    if not found:
        raise KafkaUnavailable(topic, "no such topic; create it with `assay topics ensure`")
    return sorted(found)


@contextmanager
def _translated(topic: str) -> Iterator[None]:
    from kafka.errors import KafkaError

    try:
        yield
    except KafkaError as exc:
        raise KafkaUnavailable(topic, f"{type(exc).__name__}: {exc}") from exc
