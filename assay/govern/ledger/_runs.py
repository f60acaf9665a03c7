"""Seq runs across a contract's segments: gathered per producer, compared with an edge report.

Each segment's runs come from its stored seq runs (`seqruns`, written at landing and kept
when retention removes the raw object); a segment landed before those existed is read from
its raw object's columns, in Arrow. The set arithmetic runs over ``(n, 2)`` int64 arrays of
inclusive ranges in numpy: one Python object per run at most, never one per seq.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from assay.pipeline.ingest import seqruns
from assay.pipeline.ingest.seqruns import Runs, SegmentSeqs, Unattributed, merge
from assay.store import layout, partitions
from assay.store.buckets import Buckets
from assay.store.expiry import load_ledger
from assay.store.objects import ObjectStore
from schemas import Contract

#: Bounds the arithmetic keeps seqs within, so ``last + 1`` never wraps in int64.
LOWEST, HIGHEST = -(1 << 63) + 1, (1 << 63) - 2


@dataclass
class Tally:
    """One producer's seqs over many segments."""

    parts: list[np.ndarray] = field(default_factory=list)
    readings: int = 0
    expired: int = 0

    def add(self, runs: Runs, *, expired: bool = False) -> None:
        """Count one segment's runs (``expired``: its raw object is gone)."""
        self.parts.append(np.array(runs.runs, dtype=np.int64).reshape(-1, 2))
        self.readings += runs.readings
        self.expired += runs.readings if expired else 0

    def merged(self) -> np.ndarray:
        """The distinct seqs as sorted, disjoint runs."""
        return merge(np.concatenate(self.parts) if self.parts else empty())


@dataclass
class Gathered:
    """What every segment of a contract holds, by producer."""

    landed: dict[str, Tally] = field(default_factory=dict)
    dead_lettered: dict[str, Tally] = field(default_factory=dict)
    unattributed: Counter[str] = field(default_factory=Counter)
    unsequenced: int = 0
    #: segments whose raw object went before their seq runs were recorded, and readings
    unrecorded: list[int] = field(default_factory=lambda: [0, 0])
    ends: dict[int, int] = field(default_factory=dict)
    #: segments whose seq runs count other readings than landing recorded
    problems: list[str] = field(default_factory=list)

    def add(self, seqs: SegmentSeqs, counts: tuple[int, int], *, expired: bool = False) -> None:
        """Count one segment, whose raw object held ``counts`` (readings, dead readings)."""
        found = (
            sum(r.readings for r in seqs.landed.values()) + seqs.unsequenced,
            sum(r.readings for r in seqs.dead_lettered.values()) + sum(seqs.unattributed.values()),
        )
        if found != counts:
            self.problems.append(
                f"segment {seqs.segment}: its seq runs count {found[0]} readings and "
                f"{found[1]} dead-lettered, landing recorded {counts[0]} and {counts[1]}"
            )
        for who, runs in seqs.landed.items():
            self.landed.setdefault(who, Tally()).add(runs, expired=expired)
        for who, runs in seqs.dead_lettered.items():
            self.dead_lettered.setdefault(who, Tally()).add(runs)
        self.unattributed.update(seqs.unattributed)
        self.unsequenced += seqs.unsequenced


def gather(store: ObjectStore, buckets: Buckets, contract: Contract) -> Gathered:
    """Every segment's seq runs, stored or expired, in every partition the store names."""
    out = Gathered()
    for p in partitions.stored(store, buckets, contract):  # added and emptied ones too
        stored = _stored(store, buckets, contract, p, out)
        ledger = load_ledger(store, buckets.reports, contract.name, contract.major, p)
        for stem, entry in ledger.segments.items():
            if "raw" not in entry.layers or stem in stored:
                continue
            out.ends[p] = max(out.ends.get(p, 0), entry.end_offset)
            found = seqruns.load(store, buckets.reports, contract, layout.Segment.parse(stem))
            if found is None:
                out.unrecorded = [out.unrecorded[0] + 1, out.unrecorded[1] + entry.readings]
                out.unattributed[Unattributed.NOT_RECORDED] += entry.dead_readings
            else:
                out.add(found, (entry.readings, entry.dead_readings), expired=True)
    return out


def _stored(
    store: ObjectStore, buckets: Buckets, contract: Contract, p: int, out: Gathered
) -> set[str]:
    """Count the partition's stored raw segments; their stems."""
    prefix, stems = layout.partition_prefix(contract.name, contract.major, p), set()
    for key in [k for k in store.keys(buckets.raw, prefix) if k.endswith(".parquet")]:
        meta = store.head(buckets.raw, key) or {}
        out.ends[p] = max(out.ends.get(p, 0), int(meta.get("end-offset", 0)))
        seg = layout.Segment.parse(key)
        stems.add(seg.stem)
        found = seqruns.load(store, buckets.reports, contract, seg)
        counts = int(meta.get("readings", 0)), int(meta.get("dead-readings", 0))
        out.add(found or _from_raw(store, buckets.raw, key, seg.stem, meta), counts)
    return stems


def _from_raw(
    store: ObjectStore, bucket: str, key: str, stem: str, meta: dict[str, str]
) -> SegmentSeqs:
    """A segment landed before seq runs were recorded: its runs from the raw object's
    columns; its dead letters are the steward's to read, so they stay unattributed."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(io.BytesIO(store.get(bucket, key)))
    names = [n for n in ("producer_id", "seq") if n in parquet.schema_arrow.names]
    landed, unsequenced = seqruns.landed_runs(parquet.read(columns=names))
    dead = int(meta.get("dead-readings", 0))
    return SegmentSeqs(
        stem, landed, unsequenced, {}, {Unattributed.NOT_RECORDED: dead} if dead else {}
    )


def empty() -> np.ndarray:
    """No runs."""
    return np.empty((0, 2), dtype=np.int64)


def ranges(pairs: list[list[int]]) -> np.ndarray:
    """Ranges from a report (Python ints of any size) as an array, clamped to `LOWEST` ..
    `HIGHEST`; an inverted one covers nothing."""
    bounded = [[min(max(a, LOWEST), HIGHEST), min(max(b, LOWEST), HIGHEST)] for a, b in pairs]
    return merge(np.array(bounded, dtype=np.int64).reshape(-1, 2)) if bounded else empty()


def clip(runs: np.ndarray, span: np.ndarray) -> np.ndarray:
    """The part of sorted disjoint ``runs`` inside one range ``span`` (an array of one pair,
    or none)."""
    if not len(span) or not len(runs):
        return empty()
    first = np.maximum(runs[:, 0], span[0, 0])
    last = np.minimum(runs[:, 1], span[0, 1])
    keep = first <= last
    return np.column_stack((first[keep], last[keep]))


def subtract(runs: np.ndarray, minus: np.ndarray) -> np.ndarray:
    """The seqs of ``runs`` in none of ``minus`` (both sorted, disjoint, within `LOWEST` ..
    `HIGHEST`), as runs: over the elementary intervals between every range's bounds."""
    if not len(runs) or not len(minus):
        return runs
    bounds = (runs[:, 0], runs[:, 1] + 1, minus[:, 0], minus[:, 1] + 1)
    points = np.unique(np.concatenate(bounds))
    starts, lasts = points[:-1], points[1:] - 1
    keep = _covers(runs, starts) & ~_covers(minus, starts)
    return merge(np.column_stack((starts[keep], lasts[keep])))


def union(*parts: np.ndarray) -> np.ndarray:
    """The seqs of any of ``parts``, as runs."""
    return merge(np.concatenate(parts)) if parts else empty()


def _covers(runs: np.ndarray, at: np.ndarray) -> np.ndarray:
    i = np.searchsorted(runs[:, 0], at, side="right") - 1
    return (i >= 0) & (at <= runs[np.maximum(i, 0), 1])
