"""Dedup by (producer_id, seq): replays dropped, a sequence that starts over kept for review."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from assay.pipeline.validate.dedup import Watermark, drop_duplicates, duplicate_pairs
from schemas import load_contract

ENERGY = load_contract("energy_meter")


def table(rows: list[tuple[str, int, bool]]) -> pa.Table:
    producers, seqs, replays = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.table(
        {"producer_id": list(producers), "seq": list(seqs), "kafka_replay": list(replays)}
    )


def test_replays_at_or_below_the_watermark_are_dropped() -> None:
    before = Watermark("s0", {"edge-1": 10})
    out = drop_duplicates(
        table([("edge-1", 9, True), ("edge-1", 10, True), ("edge-1", 11, False)]),
        before,
        "s1",
        ENERGY,
    )
    assert out.table["seq"].to_pylist() == [11]
    assert out.dropped == 2
    assert out.regressed.num_rows == 0
    assert out.watermark == Watermark("s1", {"edge-1": 11})


def test_replay_within_one_segment_keeps_the_first_copy() -> None:
    out = drop_duplicates(
        table([("a", 1, False), ("a", 2, False), ("a", 2, True), ("b", 1, False)]),
        Watermark(),
        "s",
        ENERGY,
    )
    assert list(
        zip(out.table["producer_id"].to_pylist(), out.table["seq"].to_pylist(), strict=True)
    ) == [("a", 1), ("a", 2), ("b", 1)]
    assert out.dropped == 1


def test_a_sequence_that_starts_over_is_set_aside_not_dropped() -> None:
    out = drop_duplicates(
        table([("edge-1", 0, False), ("edge-1", 1, False)]),
        Watermark("s0", {"edge-1": 500}),
        "s1",
        ENERGY,
    )
    assert out.dropped == 0
    assert out.table.num_rows == 0
    assert out.regressed["seq"].to_pylist() == [0, 1]
    assert out.watermark.producers == {"edge-1": 500}


def test_watermark_round_trip_and_duplicate_pairs() -> None:
    mark = Watermark("x", {"b": 2, "a": 7})
    assert Watermark.loads(mark.dumps()) == mark
    assert duplicate_pairs(table([("a", 1, False), ("a", 1, False), ("a", 2, False)])) == 1
    assert duplicate_pairs(table([])) == 0


UNSEQUENCED = load_contract(Path(__file__).parent / "contracts" / "energy_meter.unsequenced.yaml")
_READINGS = st.lists(
    st.tuples(st.sampled_from(["m0", "m1", None]), st.one_of(st.none(), st.integers(0, 6))),
    max_size=40,
)


def _reference(rows: list[tuple[str | None, int | None]], latest: dict[str, int]) -> list[bool]:
    """Which rows are duplicates, one at a time, as dedup's docstring says."""
    seen: set[tuple[str, int]] = set()
    dropped = []
    for device, time in rows:
        key = None if device is None or time is None else (json.dumps([device]), time)
        duplicate = key is not None and (key in seen or latest.get(key[0]) == key[1])
        dropped.append(duplicate)
        if key is not None:
            seen.add(key)
    return dropped


@given(_READINGS, st.dictionaries(st.sampled_from(['["m0"]', '["m1"]']), st.integers(0, 6)))
def test_unsequenced_dedup_agrees_with_a_row_by_row_reading(
    rows: list[tuple[str | None, int | None]], latest: dict[str, int]
) -> None:
    table = pa.table(
        {
            "device_id": pa.array([d for d, _ in rows], pa.string()),
            "event_time": pa.array([t for _, t in rows], pa.timestamp("ms", tz="UTC")),
        }
    )
    out = drop_duplicates(table, Watermark("s0", latest=latest), "s1", UNSEQUENCED)
    dropped = _reference(rows, latest)
    assert out.dropped == sum(dropped)
    assert out.table.num_rows + out.dropped == len(rows)
    kept = [row for row, gone in zip(rows, dropped, strict=True) if not gone]
    assert out.table["device_id"].to_pylist() == [d for d, _ in kept]
    for device, time in kept:
        if device is not None and time is not None:
            assert out.watermark.latest[json.dumps([device])] >= time


def test_an_implausible_seq_jump_is_set_aside_and_the_watermark_stays() -> None:
    huge = 2**63 - 1
    out = drop_duplicates(
        table([("edge-1", huge, False), ("edge-1", 1001, False), ("new", 2**54, False)]),
        Watermark("s0", {"edge-1": 1000}),
        "s1",
        ENERGY,
    )
    assert out.jumped["seq"].to_pylist() == [huge, 2**54]
    assert out.jumped_from == [1000, -1]  # a producer not seen yet counts from -1
    assert out.table["seq"].to_pylist() == [1001]  # the genuine next reading is fresh
    assert out.regressed.num_rows == 0
    assert out.watermark.producers == {"edge-1": 1001}


def test_a_source_numbering_by_epoch_microseconds_is_no_jump() -> None:
    """Telegraf's config numbers a meter's readings by poll time: a new producer's first
    seq is about 1.8e12 (ms) or 1.8e15 (us) beyond -1, and is a reading, not a forgery."""
    first = 1_796_400_000_000_000  # 2026-12-04 in epoch microseconds
    out = drop_duplicates(
        table([("telegraf.m1", first, False), ("telegraf.m1", first + 10**6, False)]),
        Watermark("s0", {}),
        "s1",
        ENERGY,
    )
    assert out.jumped.num_rows == 0 and out.table.num_rows == 2
    assert out.watermark.producers == {"telegraf.m1": first + 10**6}


@given(st.integers(0, 2**53), st.integers(-(2**63), 2**63 - 1))
def test_a_reading_moves_the_watermark_only_within_the_bound(mark: int, seq: int) -> None:
    out = drop_duplicates(table([("p", seq, False)]), Watermark("s0", {"p": mark}), "s1", ENERGY)
    jumped = seq - mark > ENERGY.max_seq_jump
    assert out.jumped.num_rows == int(jumped)
    assert out.watermark.producers["p"] == (seq if mark < seq and not jumped else mark)


_SEQS = st.one_of(
    st.integers(-3, 40),
    st.sampled_from([None, 2**53, 2**53 + 1, 2**61, 2**62, 2**63 - 1, -(2**63)]),
)


@given(
    rows=st.lists(
        st.tuples(st.sampled_from([None, "a", "b", "c"]), _SEQS, st.sampled_from([None, 1, 0])),
        max_size=40,
    ),
    marks=st.dictionaries(st.sampled_from(["a", "b", "z"]), st.integers(-2, 45), max_size=3),
    bound=st.sampled_from([0, 3, 25, 2**53]),
    chunk=st.integers(1, 9),
    with_marks=st.booleans(),
)
def test_whole_columns_agree_with_the_reading_by_reading_rule(
    rows, marks, bound: int, chunk: int, with_marks: bool
) -> None:
    """Every segment: the same verdicts, watermark and jumps as the loop over rows."""
    from assay.pipeline.validate import dedup

    contract = ENERGY.model_copy(update={"max_seq_jump": bound})
    columns = {
        "producer_id": pa.array([r[0] for r in rows], pa.string()),
        "seq": pa.array([r[1] for r in rows], pa.int64()),
        "row": pa.array(range(len(rows)), pa.int64()),
    }
    if with_marks:
        columns["kafka_replay"] = pa.array([None if r[2] is None else bool(r[2]) for r in rows])
    segment = pa.table(columns)
    segment = pa.Table.from_batches(segment.to_batches(max_chunksize=chunk), segment.schema)
    before = Watermark("s0", marks)
    jumps: list[int] = []
    kinds, mark = dedup._sequenced_rows(segment, before, "s1", ("producer_id", "seq"), bound, jumps)
    fast = dedup._sequenced_columns(segment, before, "s1", ("producer_id", "seq"), bound)
    if fast is not None:
        assert fast[0].tolist() == kinds.tolist() and fast[1] == mark and jumps == []
    out = drop_duplicates(segment, before, "s1", contract)
    assert out.watermark == mark and out.jumped_from == jumps
    assert out.dropped == int((kinds == dedup.REPLAY).sum())
    for part, kind in ((out.table, dedup.FRESH), (out.regressed, dedup.REGRESSED)):
        assert part["row"].to_pylist() == [i for i, k in enumerate(kinds) if k == kind]
    assert out.jumped["row"].to_pylist() == [i for i, k in enumerate(kinds) if k == dedup.JUMPED]


def test_whole_columns_answer_the_common_segment() -> None:
    """Rising seqs of a few producers with a replay: no reading-by-reading loop needed."""
    from assay.pipeline.validate import dedup

    segment = table([("a", 1, False), ("b", 5, False), ("a", 2, False), ("a", 2, True)])
    fast = dedup._sequenced_columns(
        segment, Watermark("s0", {"b": 4}), "s1", ("producer_id", "seq"), 100
    )
    assert fast is not None
    assert fast[0].tolist() == [dedup.FRESH, dedup.FRESH, dedup.FRESH, dedup.REPLAY]
    assert fast[1] == Watermark("s1", {"a": 2, "b": 5})
