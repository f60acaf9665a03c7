"""One Kafka partition as the lander sees it: the protocol, and a twin in memory for unit tests.

The real one is `assay.pipeline.ingest.consumer.KafkaPartition` (librdkafka).
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import unquote

from assay.errors import AssayError
from assay.pipeline.ingest.deadletter import DeadLetter, Reason, Record
from assay.pipeline.ingest.decode import carried


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


def operator_letters(
    log: PartitionLog, start: int, end: int, by_quoted: str, why_quoted: str
) -> list[DeadLetter]:
    """Every record of the range as a dead letter, with its bytes when Kafka gives them; one
    letter per offset, without bytes, when the range cannot be read (the read error kept).
    A frame counts for the readings its ``count`` header declares (clamped), as in decoding.

    Who and why come URL-quoted, as object metadata holds them (S3 metadata is ASCII).
    """
    detail = f"skipped by {unquote(by_quoted)}: {unquote(why_quoted)}"
    try:
        records, _ = log.read(start, end, None)
    except AssayError as exc:
        gone = f"{detail} (not readable from Kafka: {exc})"
        blanks = (Record(log.topic, log.partition, o, 0, None, None) for o in range(start, end))
        return [DeadLetter(r, Reason.SKIPPED_BY_OPERATOR, gone) for r in blanks]
    return [DeadLetter(r, Reason.SKIPPED_BY_OPERATOR, detail, carried(r)) for r in records]
