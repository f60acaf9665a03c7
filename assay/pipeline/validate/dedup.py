"""Duplicates: what an edge spool replays after a crash between send and ack, or what a
source without sequence numbers sends twice.

Which fields make a duplicate is the contract's (``schemas.duplicate_fields``):

- **Sequenced** (the default): the contract's ``ordering``, producer_id + seq. A device's
  readings always go to the same Kafka partition, and an edge sends its spool
  oldest-first, so within one partition a producer's sequence numbers only rise — except
  for a replay, which repeats numbers already seen. The watermark of a partition is the
  highest seq per producer seen so far; a reading at or below it is a duplicate.

  Only a message the edge marked as a possible replay (``kafka_replay``) is dropped. A
  reading at or below the watermark *without* that mark is not a replay: its producer
  started counting again (a gateway whose spool was wiped, two gateways sharing one
  producer_id). Dropping it would lose real readings without a trace, so it is set aside
  for quarantine with the reason instead (``sequence_reset``).

  A reading whose seq lies more than the contract's ``max_seq_jump`` beyond its producer's
  watermark (-1 for a producer not seen yet) is implausible — a forged ``seq = 2**63-1``, a
  corrupted counter — and is set aside for quarantine (``seq_jump``) *without* moving the
  watermark: otherwise every later genuine reading of that producer would look like a
  sequence reset. The default bound, 2**53, lets a source number its readings by epoch
  milliseconds or microseconds from its first reading on (a producer's seqs also skip the
  readings of its devices on other partitions, so gaps are normal), and is where JSON readers
  stop holding integers exactly.

- **Unsequenced** (``sequenced: false``): the key with the event time. Within a segment
  every repeat of a reading's identity is dropped, its first copy kept. Across segments
  the watermark holds each group's (the key without the event time: usually the device)
  latest event time, and a reading with exactly that identity is dropped: the common
  redelivery, the last reading sent again after a reconnect, costs one number per device.
  A repeat of an *older* reading from an earlier segment is not recognised (that would
  need every identity ever seen); it is validated like any reading, and the key's
  uniqueness is checked within its segment. There is no sequence to regress, so
  ``sequence_reset`` does not apply and the segment's summary says so.

The watermark after each segment is stored beside the segment's reports, and a segment is
deduplicated against its predecessor's watermark: re-validating a segment therefore
drops exactly what it dropped the first time. Exactly-once delivery itself is Kafka's:
raw objects are named by offsets, so a re-run never lands a reading twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas import Contract, duplicate_fields


@dataclass(frozen=True)
class Watermark:
    """What one partition has seen through one segment: the highest seq per producer
    (sequenced) or the latest event time per group (unsequenced, see the docstring)."""

    through: str | None = None  # the stem of the last segment it covers
    producers: dict[str, int] = field(default_factory=dict)
    latest: dict[str, int] = field(default_factory=dict)  # group (JSON) -> event-time ticks

    def dumps(self) -> bytes:
        """The stored form."""
        body = {
            "through": self.through,
            "producers": dict(sorted(self.producers.items())),
            "latest": dict(sorted(self.latest.items())),
        }
        return json.dumps(body, indent=1, ensure_ascii=False).encode()

    @classmethod
    def loads(cls, data: bytes) -> Watermark:
        """Parse the stored form."""
        body = json.loads(data)
        producers = {str(k): int(v) for k, v in body["producers"].items()}
        latest = {str(k): int(v) for k, v in body.get("latest", {}).items()}
        return cls(body.get("through"), producers, latest)


@dataclass(frozen=True)
class Deduplicated:
    """Readings without duplicates, how many were dropped, what regressed, the new watermark."""

    table: pa.Table
    dropped: int
    watermark: Watermark
    regressed: pa.Table  # at or below the watermark without the replay mark: for quarantine
    jumped: pa.Table  # beyond the watermark + max_seq_jump: for quarantine
    jumped_from: list[int]  # each jumped row's watermark (-1: none yet)


FRESH, REPLAY, REGRESSED, JUMPED = 0, 1, 2, 3


def drop_duplicates(
    table: pa.Table, before: Watermark, stem: str, contract: Contract
) -> Deduplicated:
    """Drop duplicates against the watermark and within the segment (module docstring)."""
    jumped_from: list[int] = []
    if contract.sequenced:
        fields, bound = duplicate_fields(contract), contract.max_seq_jump
        kinds, mark = _sequenced_columns(table, before, stem, fields, bound) or _sequenced_rows(
            table, before, stem, fields, bound, jumped_from
        )
    else:
        kinds, mark = _unsequenced(table, before, stem, contract)
    counts = np.bincount(kinds, minlength=4)
    fresh, regressed, jumped = (
        _rows(table, kinds, k, counts[k]) for k in (FRESH, REGRESSED, JUMPED)
    )
    return Deduplicated(fresh, int(counts[REPLAY]), mark, regressed, jumped, jumped_from)


def _rows(table: pa.Table, kinds: np.ndarray, kind: int, count: int) -> pa.Table:
    """The rows of one kind (most segments have only fresh ones: no filter then)."""
    if count == table.num_rows:
        return table
    return table.slice(0, 0) if count == 0 else table.filter(pa.array(kinds == kind))


_SAFE = 2**61  # seqs, watermarks and bounds within this: their differences fit an int64


def _sequenced_columns(
    table: pa.Table, before: Watermark, stem: str, fields: Sequence[str], bound: int
) -> tuple[np.ndarray, Watermark] | None:
    """``_sequenced_rows`` over whole columns, for the segments it can answer: those where no
    reading jumps (then every reading moves its producer's running maximum, and each verdict is
    its seq against the maximum before it), with text producers and seqs, watermarks and bound
    within ``_SAFE``. None for any other segment: the loop decides it."""
    producer, seq = (table[name] for name in fields)
    if not (pa.types.is_string(producer.type) and pa.types.is_integer(seq.type)):
        return None
    if seq.type == pa.uint64() or bound > _SAFE or table.num_rows == 0:
        return None
    encoded = pc.dictionary_encode(producer.combine_chunks())
    names = encoded.dictionary.to_pylist()
    start = [before.producers.get(name, -1) for name in names]
    if any(abs(w) > _SAFE for w in start):
        return None
    seqs = pc.cast(seq, pa.int64())  # any other integer type fits
    low, high = pc.min_max(seqs).values()
    if low.as_py() is not None and max(-low.as_py(), high.as_py()) > _SAFE:
        return None
    codes = np.asarray(encoded.indices.fill_null(-1), dtype=np.int64)
    values = np.asarray(seqs.fill_null(0), dtype=np.int64)
    rows = np.flatnonzero((codes >= 0) & np.asarray(pc.is_valid(seqs), dtype=bool))
    order = rows[np.argsort(codes[rows], kind="stable")]  # by producer, then row order
    grouped, ordered = codes[order], values[order]
    before_each = np.empty(len(order), dtype=np.int64)
    highest = dict(before.producers)
    edges = np.flatnonzero(np.diff(grouped)) + 1
    for lo, hi in zip(np.r_[0, edges], np.r_[edges, len(order)], strict=True):
        if hi == lo:
            continue
        code = int(grouped[lo])
        running = np.maximum.accumulate(np.maximum(ordered[lo:hi], start[code]))
        before_each[lo] = start[code]
        before_each[lo + 1 : hi] = running[:-1]
        if running[-1] > start[code]:
            highest[names[code]] = int(running[-1])
    step = ordered - before_each
    if (step > bound).any():
        return None  # a jump keeps the watermark where it was: only the loop follows that
    replay = _replay_flags(table)[order]
    kinds = np.full(table.num_rows, FRESH, dtype=np.int8)
    kinds[order] = np.where(step > 0, FRESH, np.where(replay, REPLAY, REGRESSED))
    return kinds, Watermark(stem, highest)


def _sequenced_rows(
    table: pa.Table,
    before: Watermark,
    stem: str,
    fields: Sequence[str],
    bound: int,
    jumped_from: list[int],
) -> tuple[np.ndarray, Watermark]:
    highest = dict(before.producers)
    kinds: list[int] = []
    producers, seqs = (table[name].to_pylist() for name in fields)
    for producer, seq, replay in zip(producers, seqs, _replay_flags(table).tolist(), strict=True):
        if producer is None or seq is None:
            kinds.append(FRESH)  # no identity to compare: validation quarantines it (not_null)
        elif seq - highest.get(producer, -1) > bound:
            kinds.append(JUMPED)  # the watermark stays where genuine readings left it
            jumped_from.append(highest.get(producer, -1))
        elif seq > highest.get(producer, -1):
            kinds.append(FRESH)
            highest[producer] = seq
        else:
            kinds.append(REPLAY if replay else REGRESSED)
    return np.array(kinds, dtype=np.int8), Watermark(stem, highest)


def _unsequenced(
    table: pa.Table, before: Watermark, stem: str, contract: Contract
) -> tuple[np.ndarray, Watermark]:
    """Vectorised: a segment is tens of thousands of readings of a few hundred devices."""
    names = [f for f in duplicate_fields(contract) if f != contract.event_time]
    codes, groups = _group_codes(table, names)
    ticks = pc.cast(table[contract.event_time], pa.int64())
    times = np.asarray(ticks.fill_null(0), dtype=np.int64)
    # rows missing an identity value stay fresh: validation quarantines them (not_null)
    rows = np.flatnonzero((codes >= 0) & np.asarray(pc.is_valid(ticks), dtype=bool))
    seen = _seen(codes[rows], times[rows], before, groups)
    kinds = np.full(table.num_rows, FRESH, dtype=np.int8)
    kinds[rows[seen]] = REPLAY
    fresh = rows[~seen]
    return kinds, Watermark(stem, latest=_latest(before, groups, codes[fresh], times[fresh]))


def _seen(codes: np.ndarray, times: np.ndarray, before: Watermark, groups: list[str]) -> np.ndarray:
    """Repeats within the segment, and repeats of each group's latest reading before it."""
    previous = np.array([before.latest.get(g, _NONE) for g in groups], dtype=np.int64)[codes]
    return _repeats(codes, times) | ((previous != _NONE) & (times == previous))


_NONE = np.iinfo(np.int64).min  # no latest event time for the group yet


def _repeats(codes: np.ndarray, times: np.ndarray) -> np.ndarray:
    """True for every row whose (group, time) an earlier row already has."""
    order = np.lexsort((times, codes))  # stable: equal pairs keep their row order
    ordered_codes, ordered_times = codes[order], times[order]
    again = np.zeros(len(order), dtype=bool)
    again[1:] = (ordered_codes[1:] == ordered_codes[:-1]) & (
        ordered_times[1:] == ordered_times[:-1]
    )
    repeat = np.empty(len(order), dtype=bool)
    repeat[order] = again
    return repeat


def _group_codes(table: pa.Table, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Each row's group as a code (-1 when one of its values is missing), and each code's
    group as JSON text (the watermark's key)."""
    if not names:
        return np.zeros(table.num_rows, dtype=np.int64), ["[]"]
    distinct = table.select(names).group_by(names, use_threads=False).aggregate([])
    distinct = distinct.append_column("_code", pa.array(np.arange(distinct.num_rows)))
    rows = table.select(names).append_column("_row", pa.array(np.arange(table.num_rows)))
    joined = rows.join(distinct, names, join_type="left outer").sort_by("_row")
    codes = np.asarray(joined["_code"].fill_null(-1), dtype=np.int64)
    values = zip(*(distinct[name].to_pylist() for name in names), strict=True)
    return codes, [json.dumps(list(v), default=str) for v in values]


def _latest(
    before: Watermark, groups: list[str], codes: np.ndarray, times: np.ndarray
) -> dict[str, int]:
    """The latest event time per group after this segment's fresh readings."""
    latest = dict(before.latest)
    for code in np.unique(codes):
        newest = int(times[codes == code].max())
        latest[groups[code]] = max(newest, latest.get(groups[code], newest))
    return latest


def _replay_flags(table: pa.Table) -> np.ndarray:
    if "kafka_replay" not in table.column_names:
        return np.ones(table.num_rows, dtype=bool)  # no transport marks: every repeat is a replay
    column = table["kafka_replay"]
    if not (pa.types.is_boolean(column.type) or pa.types.is_null(column.type)):
        return np.array([bool(v) for v in column.to_pylist()], dtype=bool)  # as it always read
    return np.asarray(column.cast(pa.bool_()).fill_null(False), dtype=bool)


def duplicate_pairs(table: pa.Table, fields: Sequence[str] = ("producer_id", "seq")) -> int:
    """How many value combinations of ``fields`` occur more than once (0 in any curated data).

    Rows missing one of the values identify nothing and are not counted: an unsequenced
    source's readings have no (producer_id, seq).
    """
    if table.num_rows == 0:
        return 0
    present = table.select(list(fields)).drop_null()
    counts = present.group_by(list(fields)).aggregate([([], "count_all")])
    return int(pc.sum(pc.greater(counts["count_all"], 1)).as_py() or 0)
