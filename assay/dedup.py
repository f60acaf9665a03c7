"""Duplicates by (producer_id, seq): what an edge spool replays after a crash between send and ack.

A device's readings always go to the same Kafka partition, and an edge sends its spool
oldest-first, so within one partition a producer's sequence numbers only rise — except
for a replay, which repeats numbers already seen. The watermark of a partition is the
highest seq per producer seen so far; a reading at or below it is a duplicate.

The watermark after each segment is stored beside the segment's reports, and a segment is
deduplicated against its predecessor's watermark: re-validating a segment therefore
drops exactly what it dropped the first time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Watermark:
    """Highest seq per producer in one partition, through one segment."""

    through: str | None = None  # the stem of the last segment it covers
    producers: dict[str, int] = field(default_factory=dict)

    def dumps(self) -> bytes:
        """The stored form."""
        body = {"through": self.through, "producers": dict(sorted(self.producers.items()))}
        return json.dumps(body, indent=1).encode()

    @classmethod
    def loads(cls, data: bytes) -> Watermark:
        """Parse the stored form."""
        body = json.loads(data)
        return cls(body.get("through"), {str(k): int(v) for k, v in body["producers"].items()})


@dataclass(frozen=True)
class Deduplicated:
    """Readings without duplicates, how many were dropped, and the watermark after them."""

    table: pa.Table
    dropped: int
    watermark: Watermark


def drop_duplicates(table: pa.Table, before: Watermark, stem: str) -> Deduplicated:
    """Drop readings whose (producer_id, seq) is at or below the watermark or seen earlier."""
    highest = dict(before.producers)
    keep: list[bool] = []
    producers = table["producer_id"].to_pylist()
    seqs = table["seq"].to_pylist()
    for producer, seq in zip(producers, seqs, strict=True):
        fresh = seq > highest.get(producer, -1)
        keep.append(fresh)
        if fresh:
            highest[producer] = seq
    kept = table.filter(pa.array(keep, pa.bool_())) if table.num_rows else table
    return Deduplicated(kept, keep.count(False), Watermark(stem, highest))


def duplicate_pairs(table: pa.Table) -> int:
    """How many (producer_id, seq) pairs occur more than once (0 in any curated data)."""
    if table.num_rows == 0:
        return 0
    counts = table.group_by(["producer_id", "seq"]).aggregate([([], "count_all")])
    return int(pc.sum(pc.greater(counts["count_all"], 1)).as_py() or 0)
