"""A partition's raw segments in offset order: which are pending, and each one's predecessor.

A segment continues from the state its predecessor left (watermark, device tail), so
segments are validated in offset order. Retention removes old raw objects but keeps their
watermarks and tails; the expiry ledger still names them, so the segment after a removed
one finds it as its predecessor.
"""

from __future__ import annotations

from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.expiry import expired_raw_keys
from assay.store.objects import ObjectStore
from schemas import Contract

__all__ = ["pending", "pending_after", "previous_segment"]


def pending(store: ObjectStore, buckets: Buckets, contract: Contract, partition: int) -> list[str]:
    """Raw objects of a partition not validated yet, in offset order."""
    return [key for key, _ in pending_after(store, buckets, contract, partition)]


def pending_after(
    store: ObjectStore, buckets: Buckets, contract: Contract, partition: int
) -> list[tuple[str, str | None]]:
    """Each pending raw object with the raw object before it (None for the first)."""
    segments = _segments(store, buckets, contract, partition)
    prefix = layout.partition_prefix(contract.name, contract.major, partition)
    done = {
        layout.Segment.parse(k)
        for k in store.keys(buckets.reports, f"state/{prefix}")
        if k.endswith(".watermark.json")
    }
    keys = [k for k, _ in segments]
    before: list[str | None] = [None, *keys][: len(keys)]
    return [
        (k, b)
        for (k, stored), b in zip(segments, before, strict=True)
        if stored and layout.Segment.parse(k) not in done
    ]


def _segments(
    store: ObjectStore, buckets: Buckets, contract: Contract, partition: int
) -> list[tuple[str, bool]]:
    """A partition's raw object names in offset order, each with whether it is still stored."""
    prefix = layout.partition_prefix(contract.name, contract.major, partition)
    stored = _raw_in_order(store, buckets.raw, prefix)
    known = {layout.Segment.parse(k) for k in stored}
    gone = expired_raw_keys(store, buckets.reports, contract.name, contract.major, partition)
    found = [(k, True) for k in stored]
    found += [(k, False) for k in gone if layout.Segment.parse(k) not in known]
    return sorted(found, key=lambda pair: layout.Segment.parse(pair[0]))


def previous_segment(
    store: ObjectStore, buckets: Buckets, contract: Contract, raw_key: str
) -> str | None:
    """The raw object before this one in its partition (None for the first), even if removed."""
    seg = layout.Segment.parse(raw_key)
    segments = _segments(store, buckets, contract, seg.partition)
    earlier = [k for k, _ in segments if layout.Segment.parse(k) < seg]
    return earlier[-1] if earlier else None


def _raw_in_order(store: ObjectStore, bucket: str, prefix: str) -> list[str]:
    """A partition's raw objects in offset order, whichever form their names have."""
    return layout.in_offset_order([k for k in store.keys(bucket, prefix) if k.endswith(".parquet")])
