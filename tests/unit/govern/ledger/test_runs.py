"""Seq runs: recorded per segment, merged across segments, compared with an edge report; the
answers are those of one Python int per reading (the plain definition), over generated seqs."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.govern.ledger._build import _edge
from assay.govern.ledger._edge import EdgeTopic
from assay.govern.ledger._reconcile import holes, runs, within
from assay.govern.ledger._runs import Tally, clip, ranges, subtract, union
from assay.pipeline.ingest.seqruns import SegmentSeqs, landed_runs, merge, of_segment, size

SPAN = 300
producers = st.sampled_from(["gw-a", "gw-b", "gw-c.1"])
pairs = st.lists(st.tuples(producers, st.integers(0, SPAN)), max_size=200)
any_ranges = st.lists(st.lists(st.integers(-5, SPAN + 5), min_size=2, max_size=2), max_size=20)


def table(found: list[tuple[str | None, int | None]]) -> pa.Table:
    return pa.table(
        {
            "producer_id": pa.array([w for w, _ in found], pa.string()),
            "seq": pa.array([s for _, s in found], pa.int64()),
        }
    )


def covered(rs: list[list[int]]) -> set[int]:
    return {s for a, b in rs for s in range(a, b + 1)}


@settings(deadline=None)  # the first call loads Arrow's compute kernels
@given(pairs)
def test_a_segments_runs_are_the_set_of_its_seqs(found: list[tuple[str, int]]) -> None:
    """Out of order, repeated: per producer the runs of the distinct seqs, every reading
    counted, the repeats counted as duplicates."""
    landed, unsequenced = landed_runs(table(found))
    assert unsequenced == 0
    assert set(landed) == {w for w, _ in found}
    for who, got in landed.items():
        seqs = [s for w, s in found if w == who]
        assert got.runs == runs(seqs)
        assert (got.readings, got.duplicates) == (len(seqs), len(seqs) - len(set(seqs)))


@settings(deadline=None)
@given(st.lists(st.tuples(st.none() | producers, st.none() | st.integers(0, SPAN)), max_size=50))
def test_readings_without_producer_or_seq_are_unsequenced(
    found: list[tuple[str | None, int | None]],
) -> None:
    landed, unsequenced = landed_runs(table(found))
    assert unsequenced == sum(1 for w, s in found if w is None or s is None)
    assert sum(r.readings for r in landed.values()) == len(found) - unsequenced


def test_seqs_at_int64s_ends_make_their_own_runs() -> None:
    top, bottom = (1 << 63) - 1, -(1 << 63)
    landed, _ = landed_runs(table([("gw-a", top), ("gw-a", bottom), ("gw-a", top - 1)]))
    assert landed["gw-a"].runs == [[bottom, bottom], [top - 1, top]]
    assert merge(np.array([[bottom, bottom], [top, top]])).tolist() == [
        [bottom, bottom],
        [top, top],
    ]


def test_a_dictionary_column_with_a_name_twice_counts_it_once() -> None:
    who = pa.DictionaryArray.from_arrays(pa.array([0, 1, 0], pa.int32()), ["gw-a", "gw-a"])
    landed, _ = landed_runs(pa.table({"producer_id": who, "seq": pa.array([1, 2, 3])}))
    assert landed["gw-a"].runs == [[1, 3]] and landed["gw-a"].readings == 3


def test_a_table_without_identity_columns_is_all_unsequenced() -> None:
    assert landed_runs(pa.table({"x": [1, 2, 3]})) == ({}, 3)


@settings(deadline=None)
@given(st.lists(pairs, max_size=6))
def test_runs_merged_across_segments_are_the_old_ledgers_figures(
    segments: list[list[tuple[str, int]]],
) -> None:
    """The figures the ledger built from one Python list of every seq, from runs instead."""
    tallies: dict[str, Tally] = {}
    for n, found in enumerate(segments):
        stored = SegmentSeqs.loads(of_segment(f"t+0+{n}", table(found), []).dumps())
        for who, got in stored.landed.items():
            tallies.setdefault(who, Tally()).add(got)
    every = [pair for found in segments for pair in found]
    for who, tally in tallies.items():
        seqs = [s for w, s in every if w == who]
        merged = tally.merged()
        assert merged.tolist() == runs(seqs)
        assert (tally.readings, size(merged)) == (len(seqs), len(set(seqs)))


@settings(deadline=None)
@given(any_ranges, any_ranges, st.integers(-5, SPAN + 5), st.integers(-5, SPAN + 5))
def test_range_arithmetic_is_set_arithmetic(
    a: list[list[int]], b: list[list[int]], lo: int, hi: int
) -> None:
    ra, rb, span = ranges(a), ranges(b), ranges([[lo, hi]])
    assert covered(ra.tolist()) == covered(a)
    assert covered(subtract(ra, rb).tolist()) == covered(a) - covered(b)
    assert covered(union(ra, rb).tolist()) == covered(a) | covered(b)
    assert covered(clip(ra, span).tolist()) == covered(a) & set(range(lo, hi + 1))
    out = subtract(ra, rb).tolist()
    assert all(b1 + 1 < a2 for (_, b1), (a2, _) in pairwise(out))


def topic(since: int, first: int, last: int, sent: int, excluded: list[list[int]]) -> EdgeTopic:
    return EdgeTopic("gw-a", "0" * 64, since, ("t",), sent, sent, first, last, excluded, [], [])


@settings(deadline=None)
@given(
    st.sets(st.integers(0, SPAN), max_size=150),
    any_ranges,
    st.integers(0, SPAN),
    st.integers(0, SPAN),
    st.integers(0, SPAN),
)
def test_the_edge_comparison_matches_the_one_over_every_seq(
    landed: set[int], excluded: list[list[int]], a: int, b: int, sent: int
) -> None:
    since, last = min(a, b), max(a, b)
    e = topic(since, since, last, sent, excluded)
    got = _edge(e, ranges([[s, s] for s in landed]), ranges([]))
    in_scope = within(sorted(landed), [since, last], excluded)
    assert got["landed_in_scope"] == len(in_scope)
    assert got["dead_lettered_in_scope"] == 0
    if len(in_scope) < sent:
        # the same seqs; the runs are merged where the old ones split at an inverted range
        old = holes(runs(in_scope), [since, last], excluded)
        assert covered(got["missing_ranges"]) == covered(old[:100]) or len(old) > 100
        assert got["missing_ranges"] == runs(covered(got["missing_ranges"]))
    else:
        assert got["missing_ranges"] == []


@settings(deadline=None)
@given(st.sets(st.integers(0, SPAN), max_size=100), st.sets(st.integers(0, SPAN), max_size=100))
def test_dead_lettered_seqs_count_once_and_only_when_not_landed(
    landed: set[int], dead: set[int]
) -> None:
    e = topic(0, 0, SPAN, len(landed | dead), [])
    got = _edge(e, ranges([[s, s] for s in landed]), ranges([[s, s] for s in dead]))
    assert (got["landed_in_scope"], got["dead_lettered_in_scope"]) == (
        len(landed),
        len(dead - landed),
    )
    assert got["missing_ranges"] == []
