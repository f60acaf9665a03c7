"""The expiry ledger: what retention removed, so the accounting still balances without it.

One JSON object per contract and Kafka partition in the reports bucket
(``layout.expiry_ledger_key``). For every segment whose objects retention removed it keeps
the offset range, the record and reading counts the raw object's metadata held, when the
raw object landed (the clock retention counts from) and, per layer (raw, dead-letter,
quarantine, curated), how many objects and readings went and on which day. The audit
reads it in place of the objects; validation reads it to find a segment's predecessor.
Entries are only ever added or extended, never removed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from assay.store import layout
from assay.store.objects import ObjectStore

__all__ = ["LAYERS", "ExpiredSegment", "Ledger", "Removed", "expired_raw_keys", "load_ledger"]

#: The layers retention removes from; releases are never among them.
LAYERS = ("raw", "deadletter", "quarantine", "curated")
FORMAT = 1


@dataclass(frozen=True)
class Removed:
    """What one layer of one segment lost: objects, readings, and the day it happened."""

    objects: int
    readings: int
    on: str


@dataclass(frozen=True)
class ExpiredSegment:
    """One segment some of whose layers retention removed."""

    segment: str
    start_offset: int
    end_offset: int
    records: int
    readings: int
    dead_readings: int
    landed: str
    layers: dict[str, Removed] = field(default_factory=dict)

    def with_layers(self, layers: dict[str, Removed]) -> ExpiredSegment:
        """This entry with more layers removed (a layer already recorded keeps its record)."""
        return replace(self, layers={**layers, **self.layers})


@dataclass(frozen=True)
class Ledger:
    """The expiry ledger of one partition of one contract version."""

    contract: str
    major: int
    partition: int
    segments: dict[str, ExpiredSegment] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Where it is stored in the reports bucket."""
        return layout.expiry_ledger_key(self.contract, self.major, self.partition)

    def expired(self, stem: str, layer: str) -> Removed | None:
        """What ``layer`` of a segment lost, or None if retention has not touched it."""
        entry = self.segments.get(stem)
        return entry.layers.get(layer) if entry else None

    def with_segments(self, entries: list[ExpiredSegment]) -> Ledger:
        """The ledger with these entries added or extended."""
        merged = dict(self.segments)
        for entry in entries:
            known = merged.get(entry.segment)
            merged[entry.segment] = known.with_layers(entry.layers) if known else entry
        return replace(self, segments=dict(sorted(merged.items())))

    def dumps(self) -> bytes:
        """The stored form."""
        body = {
            "format": FORMAT,
            **asdict(self),
            "segments": list(asdict(self)["segments"].values()),
        }
        return (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode()

    @classmethod
    def loads(cls, data: bytes) -> Ledger:
        """Parse the stored form."""
        body: dict[str, Any] = json.loads(data)
        entries = [_segment(e) for e in body["segments"]]
        return cls(
            body["contract"], body["major"], body["partition"], {e.segment: e for e in entries}
        )


def _segment(entry: dict[str, Any]) -> ExpiredSegment:
    layers = {name: Removed(**removed) for name, removed in entry.pop("layers").items()}
    return ExpiredSegment(**entry, layers=layers)


def load_ledger(
    store: ObjectStore, bucket: str, contract: str, major: int, partition: int
) -> Ledger:
    """The partition's ledger; an empty one if retention never removed anything there."""
    empty = Ledger(contract, major, partition)
    if store.head(bucket, empty.key) is None:
        return empty
    return Ledger.loads(store.get(bucket, empty.key))


def expired_raw_keys(
    store: ObjectStore, bucket: str, contract: str, major: int, partition: int
) -> list[str]:
    """Raw object names of the partition's segments whose raw object retention removed."""
    ledger = load_ledger(store, bucket, contract, major, partition)
    return [
        layout.raw_key(contract, major, layout.Segment.parse(stem))
        for stem, entry in ledger.segments.items()
        if "raw" in entry.layers
    ]
