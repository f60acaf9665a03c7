"""Duplicates by (producer_id, seq): what an edge spool replays after a crash between send and ack.

A device's readings always go to the same Kafka partition, and an edge sends its spool
oldest-first, so within one partition a producer's sequence numbers only rise — except
for a replay, which repeats numbers already seen. The watermark of a partition is the
highest seq per producer seen so far; a reading at or below it is a duplicate.

The watermark after each segment is stored beside the segment's reports, and a segment is
deduplicated against its predecessor's watermark: re-validating a segment therefore
drops exactly what it dropped the first time.

Only a message the edge marked as a possible replay (``kafka_replay``) is dropped. A
reading at or below the watermark *without* that mark is not a replay: its producer
started counting again (a gateway whose spool was wiped, two gateways sharing one
producer_id). Dropping it would lose real readings without a trace, so it is set aside
for quarantine with the reason instead.
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
    """Readings without duplicates, how many were dropped, what regressed, the new watermark."""

    table: pa.Table
    dropped: int
    watermark: Watermark
    regressed: pa.Table  # at or below the watermark without the replay mark: for quarantine


FRESH, REPLAY, REGRESSED = 0, 1, 2


def drop_duplicates(table: pa.Table, before: Watermark, stem: str) -> Deduplicated:
    """Drop replays at or below the watermark; set aside sequence regressions."""
    highest = dict(before.producers)
    kinds: list[int] = []
    replays = _replay_flags(table)
    for producer, seq, replay in zip(table["producer_id"].to_pylist(), table["seq"].to_pylist(),
                                     replays, strict=True):  # fmt: skip
        if seq > highest.get(producer, -1):
            kinds.append(FRESH)
            highest[producer] = seq
        else:
            kinds.append(REPLAY if replay else REGRESSED)
    kind = pa.array(kinds, pa.int8())
    fresh, regressed = (table.filter(pc.equal(kind, k)) for k in (FRESH, REGRESSED))
    return Deduplicated(fresh, kinds.count(REPLAY), Watermark(stem, highest), regressed)


def _replay_flags(table: pa.Table) -> list[bool]:
    if "kafka_replay" not in table.column_names:
        return [True] * table.num_rows  # no transport marks: every repeat counts as a replay
    return [bool(v) for v in table["kafka_replay"].to_pylist()]


def duplicate_pairs(table: pa.Table) -> int:
    """How many (producer_id, seq) pairs occur more than once (0 in any curated data)."""
    if table.num_rows == 0:
        return 0
    counts = table.group_by(["producer_id", "seq"]).aggregate([([], "count_all")])
    return int(pc.sum(pc.greater(counts["count_all"], 1)).as_py() or 0)
