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

Objects no segment owns have a ledger of their own per contract version
(``layout.expired_objects_prefix``), paged the same way: the curated objects of rows a
steward accepted (``accepted``, with the decision and its rows; the audit still counts the
rows as curated) and the edge's image claim-checks (``claims``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from assay.store import layout
from assay.store.objects import ObjectStore

__all__ = [
    "LAYERS",
    "ExpiredObject",
    "ExpiredSegment",
    "Ledger",
    "ObjectLedger",
    "Removed",
    "expired_raw_keys",
    "load_ledger",
    "load_object_ledger",
]

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
        return _page(self.prefix, body)

    def with_page(self, data: bytes) -> Ledger:
        """The ledger with one stored page added."""
        body: dict[str, Any] = json.loads(data)
        return self.with_segments([_segment(e) for e in body["segments"]])


def _page(prefix: str, body: dict[str, Any]) -> tuple[str, bytes]:
    """A ledger page's key (its run's time and its sha256) and bytes."""
    data = (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode()
    now = datetime.fromisoformat(body["written"])
    return f"{prefix}{now:%Y%m%dT%H%M%S%fZ}-{hashlib.sha256(data).hexdigest()[:16]}.json", data


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


@dataclass(frozen=True)
class ExpiredObject:
    """One object retention removed that no segment owns (an accepted-rows object, a claim)."""

    layer: str  # "accepted" (curated bucket) or "claims" (raw bucket)
    key: str
    readings: int
    landed: str
    on: str
    decision: str = ""


@dataclass(frozen=True)
class ObjectLedger:
    """The expiry ledger of one contract version's objects no segment owns."""

    contract: str
    major: int
    objects: dict[tuple[str, str], ExpiredObject] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """Where its pages are stored in the reports bucket."""
        return layout.expired_objects_prefix(self.contract, self.major)

    def expired(self, layer: str, key: str) -> ExpiredObject | None:
        """The record of one removed object, or None if retention has not removed it."""
        return self.objects.get((layer, key))

    def with_objects(self, entries: list[ExpiredObject]) -> ObjectLedger:
        """The ledger with these entries added (an object already recorded keeps its record)."""
        added = {(e.layer, e.key): e for e in entries}
        return replace(self, objects={**added, **self.objects})

    def page(self, entries: list[ExpiredObject], now: datetime) -> tuple[str, bytes]:
        """The page that records ``entries`` (key and bytes): a run's append to the ledger."""
        body = {"format": FORMAT, "contract": self.contract, "major": self.major,
                "written": now.isoformat(), "objects": [asdict(e) for e in entries]}  # fmt: skip
        return _page(self.prefix, body)


def load_object_ledger(store: ObjectStore, bucket: str, contract: str, major: int) -> ObjectLedger:
    """The contract version's object ledger; empty if retention never removed such an object."""
    ledger = ObjectLedger(contract, major)
    for key in store.keys(bucket, ledger.prefix):
        if key.endswith(".json"):
            body = json.loads(store.get(bucket, key))
            ledger = ledger.with_objects([ExpiredObject(**e) for e in body["objects"]])
    return ledger
