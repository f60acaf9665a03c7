"""One Kafka partition as the lander sees it: the protocol, and a twin in memory for unit tests.

The real one is `assay.pipeline.ingest.consumer.KafkaPartition` (librdkafka).
"""

from __future__ import annotations

from typing import Protocol

from assay.pipeline.ingest.deadletter import Record


class PartitionLog(Protocol):
    """One Kafka partition read and committed by the ingest consumer group."""

    topic: str
    partition: int

    def committed(self) -> int | None:
        """The ingest group's committed offset, or None before the first commit."""

    def bounds(self) -> tuple[int, int]:
        """The log start offset and the end offset (next offset to be written)."""

    def read(self, start: int, end: int, max_bytes: int | None) -> tuple[list[Record], int]:
        """Records from ``start`` up to ``end`` (exclusive), stopping once ``max_bytes`` are
        read; with the offset to continue from (``end``, or after the last record read)."""

    def commit(self, offset: int, metadata: str) -> None:
        """Commit ``offset`` as the next one to read."""


class MemoryPartition:
    """A `PartitionLog` in memory: records given up front, commits recorded.

    Raising ``low`` plays retention: records below it can no longer be read.
    """

    def __init__(
        self, records: list[Record], *, topic: str = "", partition: int = 0, low: int = 0
    ) -> None:
        first = records[0] if records else None
        self.topic = topic or (first.topic if first else "")
        self.partition = first.partition if first else partition
        self.records, self.low = records, low
        self.offset: int | None = None
        self.commits: list[tuple[int, str]] = []

    def committed(self) -> int | None:
        return self.offset

    def bounds(self) -> tuple[int, int]:
        return self.low, (self.records[-1].offset + 1) if self.records else self.low

    def read(self, start: int, end: int, max_bytes: int | None) -> tuple[list[Record], int]:
        out, size = [], 0
        for record in (r for r in self.records if max(start, self.low) <= r.offset < end):
            out.append(record)
            size += len(record.value or b"")
            if max_bytes is not None and size >= max_bytes:
                return out, record.offset + 1
        return out, end

    def commit(self, offset: int, metadata: str) -> None:
        self.offset = offset
        self.commits.append((offset, metadata))
