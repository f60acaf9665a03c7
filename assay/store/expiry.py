"""The expiry ledger: what retention removed, so the accounting still balances without it.

Append-only, per contract and Kafka partition, in the reports bucket
(``layout.expiry_ledger_prefix``): every run that removes something first creates one new
page, named by the run's time and the page's sha256, with a create-only write that never
replaces an object; no role may remove a version in the reports bucket. The ledger is every
page read in name order. For every segment whose objects retention removed it keeps
the offset range, the record and reading counts the raw object's metadata held, when the
raw object landed (the clock retention counts from) and, per layer (raw, dead-letter,
quarantine, curated), how many objects and readings went and on which day. The audit
reads it in place of the objects; validation reads it to find a segment's predecessor.
A later page only adds segments or layers; what an earlier page recorded stands.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
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
    skipped_by: str = ""  # an operator's skip: its records are dead letters by decision

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
    def prefix(self) -> str:
        """Where its pages are stored in the reports bucket."""
        return layout.expiry_ledger_prefix(self.contract, self.major, self.partition)

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

    def page(self, entries: list[ExpiredSegment], now: datetime) -> tuple[str, bytes]:
        """The page that records ``entries`` (key and bytes): a run's append to the ledger."""
        body = {
            "format": FORMAT,
            "contract": self.contract,
            "major": self.major,
            "partition": self.partition,
            "written": now.isoformat(),
            "segments": [asdict(e) for e in entries],
        }
        data = (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode()
        name = f"{now:%Y%m%dT%H%M%S%fZ}-{hashlib.sha256(data).hexdigest()[:16]}.json"
        return self.prefix + name, data

    def with_page(self, data: bytes) -> Ledger:
        """The ledger with one stored page added."""
        body: dict[str, Any] = json.loads(data)
        return self.with_segments([_segment(e) for e in body["segments"]])


def _segment(entry: dict[str, Any]) -> ExpiredSegment:
    layers = {name: Removed(**removed) for name, removed in entry.pop("layers").items()}
    return ExpiredSegment(**entry, layers=layers)


def load_ledger(
    store: ObjectStore, bucket: str, contract: str, major: int, partition: int
) -> Ledger:
    """The partition's ledger: its pages in order; empty if retention never removed anything."""
    ledger = Ledger(contract, major, partition)
    for key in store.keys(bucket, ledger.prefix):
        if key.endswith(".json"):
            ledger = ledger.with_page(store.get(bucket, key))
    return ledger


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
