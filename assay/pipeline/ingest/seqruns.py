"""A segment's seq runs: per producer, the seqs it landed and those its dead letters claim.

The ledger from edge to release compares what each edge says Kafka acknowledged with what
landed. Reading every raw segment's ``producer_id`` and ``seq`` columns at release time made
one Python int per reading, and found nothing once retention removed a raw object. So
landing writes, beside the segment's validation reports (the reports bucket outlives
retention: `layout.seqs_key`), a small document:

- ``landed``: per producer the raw object's distinct seqs as inclusive ``[first, last]``
  runs, its readings, and how many of them repeat a seq already in the segment;
- ``unsequenced``: readings without a producer_id or seq (an unsequenced source);
- ``dead_lettered``: per producer the seqs its dead letters' headers claim (``producer_id``;
  ``seq``, a frame's first reading's; a frame's readings as the decoder counted them from
  ``count``). The record could not be decoded, so this is the producer's word, unverified:
  ``attributed_by: header``;
- ``unattributed``: dead-lettered readings whose headers give no usable producer or seq,
  by reason (`Unattributed`).

It is a pure function of the raw and dead-letter objects, so whoever finds it missing (a run
adopting a segment, retention about to remove the raw object) makes it again from them.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from assay.pipeline.ingest.deadletter import DeadLetter
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore
from schemas import Contract, wire

__all__ = [
    "ATTRIBUTED_BY",
    "FORMAT",
    "Letter",
    "Runs",
    "SegmentSeqs",
    "Unattributed",
    "claim",
    "ensure",
    "landed_runs",
    "load",
    "merge",
    "of_letters",
    "of_segment",
    "save",
    "size",
]

FORMAT = 1
ATTRIBUTED_BY = "header"
INT64_MAX = (1 << 63) - 1
#: The envelope's producer_id pattern (``schemas._envelope``): a header that does not match
#: it names no producer the ledger could list.
_PRODUCER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}", re.ASCII)
#: A seq header as the edge writes it; more digits than int64 holds are out of range, not
#: parsed (``int()`` of a 10,000-digit header costs, and raises past 4,300 digits).
_SEQ = re.compile(r"-?[0-9]{1,20}", re.ASCII)

#: A dead letter as attribution needs it: its record's headers, the reading's index in its
#: frame (-1: the whole record) and the readings it counts for.
Letter = tuple[Sequence[tuple[str | None, bytes | None]], int, int]


class Unattributed(StrEnum):
    """Why a dead letter's readings are not attributed to a producer's seqs."""

    NO_PRODUCER = "no_producer_header"
    PRODUCER_MALFORMED = "producer_header_malformed"
    NO_SEQ = "no_seq_header"
    SEQ_NOT_A_NUMBER = "seq_header_not_a_number"
    SEQ_NEGATIVE = "seq_header_negative"
    SEQ_OUT_OF_RANGE = "seq_header_out_of_range"
    #: the segment landed before seq runs were recorded, and its dead letters are not read
    NOT_RECORDED = "landed_before_seq_runs"


@dataclass(frozen=True)
class Runs:
    """One producer's seqs in one segment: distinct seqs as runs, readings, repeats."""

    runs: list[list[int]]
    readings: int
    duplicates: int


@dataclass(frozen=True)
class SegmentSeqs:
    """The seq runs of one segment (see the module docstring)."""

    segment: str
    landed: dict[str, Runs]
    unsequenced: int = 0
    dead_lettered: dict[str, Runs] = field(default_factory=dict)
    unattributed: dict[str, int] = field(default_factory=dict)

    def dumps(self) -> bytes:
        """The stored form: canonical JSON, so a rebuilt document has the same bytes."""
        body = {"format": FORMAT, "attributed_by": ATTRIBUTED_BY} | asdict(self)
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def loads(cls, data: bytes) -> SegmentSeqs:
        """Read the stored form."""
        body: dict[str, Any] = json.loads(data)
        return cls(
            segment=body["segment"],
            landed={who: Runs(**r) for who, r in body["landed"].items()},
            unsequenced=int(body["unsequenced"]),
            dead_lettered={who: Runs(**r) for who, r in body["dead_lettered"].items()},
            unattributed={why: int(n) for why, n in body["unattributed"].items()},
        )


def of_segment(stem: str, table: pa.Table, letters: Iterable[Letter]) -> SegmentSeqs:
    """The seq runs of a segment from its raw table and its dead letters."""
    landed, unsequenced = landed_runs(table)
    dead, why = attribute(letters)
    return SegmentSeqs(stem, landed, unsequenced, dead, why)


def of_letters(letters: Iterable[DeadLetter]) -> list[Letter]:
    """Dead letters as attribution reads them."""
    return [(d.record.headers, d.index, d.readings) for d in letters]


def landed_runs(table: pa.Table) -> tuple[dict[str, Runs], int]:
    """Per producer the runs of a raw table's seqs, and the readings without producer or seq;
    in Arrow and numpy, one Python object per run, none per reading."""
    if not {"producer_id", "seq"} <= set(table.column_names):
        return {}, table.num_rows
    known = pc.and_(pc.is_valid(table["producer_id"]), pc.is_valid(table["seq"]))
    rows = table.select(["producer_id", "seq"]).filter(known)
    who = rows["producer_id"].combine_chunks()
    if pa.types.is_dictionary(who.type):  # one code per name: its dictionary may repeat one
        who = who.cast(who.type.value_type)
    encoded = who.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    seqs = rows["seq"].combine_chunks().cast(pa.int64()).to_numpy(zero_copy_only=False)
    names = [str(name) for name in encoded.dictionary.to_pylist()]
    return _grouped(names, codes, seqs), table.num_rows - rows.num_rows


def _grouped(names: list[str], codes: np.ndarray, seqs: np.ndarray) -> dict[str, Runs]:
    """Runs per name of (code, seq) pairs, in any order and with repeats."""
    if not len(seqs):
        return {}
    order = np.lexsort((seqs, codes))
    c, s = codes[order], seqs[order]
    other = np.ones(len(s), dtype=bool)
    other[1:] = c[1:] != c[:-1]
    repeat = ~other
    repeat[1:] &= s[1:] == s[:-1]
    starts = other.copy()
    # s[i] - 1 wraps only at int64's minimum, where s[i] == s[i-1] already says "same run".
    starts[1:] |= (s[1:] != s[:-1]) & (s[1:] - 1 != s[:-1])
    first = np.flatnonzero(starts)
    last = np.append(first[1:], len(s)) - 1
    readings = np.bincount(c, minlength=len(names))
    repeats = np.bincount(c[repeat], minlength=len(names))
    bounds = np.searchsorted(c[first], np.arange(len(names) + 1))
    pairs = np.column_stack((s[first], s[last]))
    return {
        name: Runs(pairs[bounds[k] : bounds[k + 1]].tolist(), int(readings[k]), int(repeats[k]))
        for k, name in enumerate(names)
        if readings[k]
    }


def attribute(letters: Iterable[Letter]) -> tuple[dict[str, Runs], dict[str, int]]:
    """Per producer the seqs dead letters' headers claim, and the readings of those whose
    headers claim none, by reason. Total: no header value makes it raise."""
    claimed: dict[str, list[tuple[int, int]]] = defaultdict(list)
    readings: Counter[str] = Counter()
    why: Counter[str] = Counter()
    for headers, index, count in letters:
        found = claim(headers, index, count)
        if isinstance(found, Unattributed):
            why[str(found)] += 1 if index >= 0 else max(count, 1)
            continue
        who, first, last = found
        claimed[who].append((first, last))
        readings[who] += last - first + 1
    out = {}
    for who, ranges in sorted(claimed.items()):
        runs = merge(np.array(ranges, dtype=np.int64))
        out[who] = Runs(runs.tolist(), readings[who], readings[who] - size(runs))
    return out, dict(sorted(why.items()))


def claim(
    headers: Sequence[tuple[str | None, bytes | None]], index: int, count: int
) -> tuple[str, int, int] | Unattributed:
    """(producer, first seq, last seq) a dead letter's headers claim, or why they claim none.

    A whole record claims ``count`` seqs from its ``seq`` header (a frame's readings are
    consecutive from its first reading's); one reading of a frame claims ``seq + index``."""
    who = _header(headers, wire.HEADER_PRODUCER)
    if not who:
        return Unattributed.NO_PRODUCER
    if not _PRODUCER.fullmatch(who):
        return Unattributed.PRODUCER_MALFORMED
    seq = (_header(headers, wire.HEADER_SEQ) or "").strip()
    if not seq:
        return Unattributed.NO_SEQ
    if not _SEQ.fullmatch(seq):
        digits = seq.lstrip("-")
        long = digits.isascii() and digits.isdigit()
        return Unattributed.SEQ_OUT_OF_RANGE if long else Unattributed.SEQ_NOT_A_NUMBER
    if (number := int(seq)) < 0:
        return Unattributed.SEQ_NEGATIVE
    first = number + max(index, 0)
    last = first + (max(count, 1) if index < 0 else 1) - 1
    return (who, first, last) if last <= INT64_MAX else Unattributed.SEQ_OUT_OF_RANGE


def _header(headers: Sequence[tuple[str | None, bytes | None]], name: str) -> str | None:
    for key, value in headers or ():
        if key == name:
            return None if value is None else bytes(value).decode("utf-8", "replace")
    return None


def merge(ranges: np.ndarray) -> np.ndarray:
    """Inclusive ``[first, last]`` ranges (an ``(n, 2)`` int64 array, any order, overlapping)
    as sorted, disjoint, non-adjacent runs covering the same seqs; an inverted one covers
    none."""
    ranges = ranges.reshape(-1, 2)
    ranges = ranges[ranges[:, 0] <= ranges[:, 1]]
    if not len(ranges):
        return ranges
    ranges = ranges[np.argsort(ranges[:, 0], kind="stable")]
    reach = np.maximum.accumulate(ranges[:, 1])
    first = ranges[1:, 0]
    # first - 1 wraps only at int64's minimum, where first > reach is already false.
    starts = np.concatenate(([True], (first > reach[:-1]) & (first - 1 > reach[:-1])))
    at = np.flatnonzero(starts)
    return np.column_stack((ranges[at, 0], np.maximum.reduceat(ranges[:, 1], at)))


def size(runs: np.ndarray) -> int:
    """How many seqs disjoint runs hold (in Python ints: a run may span int64)."""
    return sum(int(b) - int(a) + 1 for a, b in runs.reshape(-1, 2).tolist())


def save(store: ObjectStore, bucket: str, contract: Contract, seqs: SegmentSeqs) -> None:
    """Store a segment's seq runs (a put: the bytes are a function of the segment)."""
    key = layout.seqs_key(contract.name, contract.major, layout.Segment.parse(seqs.segment))
    store.put(bucket, key, seqs.dumps(), content_type="application/json")


def load(
    store: ObjectStore, bucket: str, contract: Contract, seg: layout.Segment
) -> SegmentSeqs | None:
    """A segment's stored seq runs; None when it landed before they were recorded."""
    key = layout.seqs_key(contract.name, contract.major, seg)
    found = store.head(bucket, key) is not None
    return SegmentSeqs.loads(store.get(bucket, key)) if found else None


def ensure(store: ObjectStore, buckets: Buckets, contract: Contract, seg: layout.Segment) -> None:
    """Make a segment's seq runs from its raw and dead-letter objects if they are missing:
    before its raw object is removed, or when a run adopts a segment another one wrote."""
    key = layout.seqs_key(contract.name, contract.major, seg)
    if store.head(buckets.reports, key) is not None:
        return
    name, major = contract.name, contract.major
    raw = _table(store, buckets.raw, layout.raw_key(name, major, seg))
    if raw is None:  # removed before its runs were recorded: the ledger says so
        return
    dead = _table(store, buckets.deadletter, layout.deadletter_key(name, major, seg))
    letters = _letters(dead) if dead is not None else []
    save(store, buckets.reports, contract, of_segment(seg.stem, raw, letters))


def _table(store: ObjectStore, bucket: str, key: str) -> pa.Table | None:
    import pyarrow.parquet as pq

    if store.head(bucket, key) is None:
        return None
    parquet = pq.ParquetFile(io.BytesIO(store.get(bucket, key)))
    wanted = {"producer_id", "seq", "headers", "index", "readings"}
    return parquet.read(columns=[n for n in parquet.schema_arrow.names if n in wanted])


def _letters(table: pa.Table) -> list[Letter]:
    """The dead-letter table's rows as attribution reads them (few: one per bad record)."""
    names = set(table.column_names)
    rows = table.select([n for n in ("headers", "index", "readings") if n in names]).to_pylist()
    return [
        (
            [(h["key"], h["value"]) for h in row.get("headers") or ()],
            -1 if row.get("index") is None else int(row["index"]),
            1 if row.get("readings") is None else int(row["readings"]),
        )
        for row in rows
    ]
