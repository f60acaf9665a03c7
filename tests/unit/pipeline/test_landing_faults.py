"""Landing when things go wrong: retention overtaking, overlapping runs, crashes, operator skips.

Whatever happens, the raw objects and the loss records of a partition tile its offsets from
0 to the committed offset: no gap that is not a recorded loss, no overlap.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.pipeline import problems
from assay.pipeline.ingest.deadletter import Reason
from assay.pipeline.ingest.landing import (
    Buckets,
    MemoryPartition,
    Overtaken,
    SegmentFailed,
    land_partition,
    land_segment,
)
from assay.pipeline.ingest.skip import SkipRefused, skip_range
from assay.store import layout
from assay.store.objects import MemoryStore
from assay.store.parquet import from_parquet
from schemas import Contract

from .conftest import TOPIC, reading, record

BUCKETS = Buckets(raw="raw", deadletter="dead")


def log_of(n: int, *, low: int = 0, junk: frozenset[int] = frozenset()) -> MemoryPartition:
    records = [record(i, b"junk" if i in junk else reading(i)) for i in range(n)]
    return MemoryPartition(records, topic=TOPIC, low=low)


def tiles(store: MemoryStore, contract: Contract) -> list[tuple[int, int, str]]:
    """Every raw segment and loss record of partition 0 as (start, end, kind), in order."""
    prefix = layout.partition_prefix(contract.name, contract.major, 0)
    ranges = []
    for key in store.keys("raw", prefix):
        meta = store.head("raw", key) or {}
        ranges.append((int(meta["start-offset"]), int(meta["end-offset"]), "raw"))
    ranges += [(x.start, x.end, "lost") for x in problems.losses(store, "raw", contract, 0)]
    return sorted(ranges)


def assert_tiled(store: MemoryStore, contract: Contract, upto: int | None) -> None:
    ranges = tiles(store, contract)
    ends = [0] + [end for _, end, _ in ranges]
    assert [start for start, _, _ in ranges] == ends[:-1], ranges  # no gap, no overlap
    assert ends[-1] == (upto or 0)


def test_the_log_start_jumping_past_the_commit_is_a_recorded_loss(energy: Contract) -> None:
    log, store = log_of(40), MemoryStore()
    land_partition(log, store, BUCKETS, energy, max_records=10, max_segments=1)
    log.low = 25  # retention deleted 10-24 before they were landed
    landed = land_partition(log, store, BUCKETS, energy, max_records=10)
    assert [(x.segment.start, x.end) for x in landed] == [(25, 35), (35, 40)]
    (loss,) = problems.losses(store, "raw", energy)
    assert (loss.start, loss.end, loss.offsets, loss.committed) == (10, 25, 15, 10)
    assert not loss.acknowledged
    assert_tiled(store, energy, log.committed())


def test_a_group_that_never_committed_on_an_expired_log_records_the_loss_from_zero(
    energy: Contract,
) -> None:
    log, store = log_of(20, low=12), MemoryStore()
    land_partition(log, store, BUCKETS, energy)
    assert [(x.start, x.end) for x in problems.losses(store, "raw", energy)] == [(0, 12)]
    assert_tiled(store, energy, 20)


def test_a_loss_seen_twice_keeps_its_first_record(energy: Contract) -> None:
    store = MemoryStore()
    first = log_of(20, low=5)
    land_segment(first, store, BUCKETS, energy)
    (before,) = problems.losses(store, "raw", energy)
    again = log_of(20, low=5)  # the commit of the loss was lost: the same range is found again
    again.offset = None
    land_segment(again, store, BUCKETS, energy)
    assert problems.losses(store, "raw", energy) == [before]


def test_expired_group_offsets_go_on_after_what_was_landed(energy: Contract) -> None:
    store, log = MemoryStore(), log_of(30)
    land_partition(log, store, BUCKETS, energy, max_records=10, max_segments=2)
    forgotten = log_of(30)  # the broker expired the group's offsets: no commit at all
    land_partition(forgotten, store, BUCKETS, energy, max_records=7)
    assert_tiled(store, energy, forgotten.committed())
    # the last segment, adopted
    assert forgotten.commits[0] == (20, layout.Segment(TOPIC, 0, 10).stem)


class RacingStore(MemoryStore):
    """Runs ``other`` once, just before the first raw object is created: a second ingest."""

    def __init__(self) -> None:
        super().__init__()
        self.other: Any = None

    def create(self, bucket: str, key: str, data: bytes, *args: Any, **kwargs: Any) -> bool:
        if self.other is not None and bucket == "raw":
            other, self.other = self.other, None
            other()
        return super().create(bucket, key, data, *args, **kwargs)


def test_a_run_that_loses_the_race_adopts_the_winners_segment(energy: Contract) -> None:
    log, store = log_of(30, junk=frozenset({3})), RacingStore()
    winner = log_of(30, junk=frozenset({3}))  # writes first, commits later (elsewhere)
    store.other = lambda: land_segment(winner, store, BUCKETS, energy, max_records=20)
    landed = land_segment(log, store, BUCKETS, energy, max_records=8)
    assert landed is not None and landed.recovered and landed.end == 20  # the winner's cut
    assert log.commits == [(20, layout.Segment(TOPIC, 0, 0).stem)]
    land_partition(log, store, BUCKETS, energy, max_records=8)
    assert_tiled(store, energy, 30)
    dead = from_parquet(store.get("dead", landed.raw_key))
    assert dead["offset"].to_pylist() == [3]


def test_a_run_overtaken_before_its_commit_stops_without_committing(energy: Contract) -> None:
    run, store = log_of(30), MemoryStore()
    answers = iter([None, 10])  # read at the start; found at the commit: another run moved it
    run.committed = lambda: next(answers, 10)  # type: ignore[method-assign]
    with pytest.raises(Overtaken) as stopped:
        land_segment(run, store, BUCKETS, energy, max_records=10)
    assert (stopped.value.expected, stopped.value.found) == (None, 10)
    assert run.commits == []


def test_a_zombie_run_never_commits_backwards(energy: Contract) -> None:
    log, store = log_of(30), RacingStore()
    # While the zombie decodes its first segment, another run lands the whole partition.
    store.other = lambda: land_partition(log, store, BUCKETS, energy, max_records=10)
    assert land_partition(log, store, BUCKETS, energy, max_records=4) == []
    assert [offset for offset, _ in log.commits] == [10, 20, 30]
    assert_tiled(store, energy, 30)


def test_an_adopter_repairs_dead_letters_a_crash_left_unwritten(energy: Contract) -> None:
    log, store = log_of(10, junk=frozenset({2, 7})), MemoryStore()
    landed = land_segment(log, store, BUCKETS, energy)
    assert landed is not None
    written = store.get("dead", landed.raw_key)
    store.delete("dead", landed.raw_key)  # the crash: raw object created, dead letters not
    log.offset = None
    again = land_segment(log, store, BUCKETS, energy)
    assert again is not None and again.recovered
    assert store.get("dead", landed.raw_key) == written


def test_a_failure_says_where_and_whether_a_retry_helps(energy: Contract) -> None:
    class Down(MemoryPartition):
        def read(self, start: int, end: int, max_bytes: int | None) -> Any:
            from assay.errors import KafkaUnavailable

            raise KafkaUnavailable(TOPIC, "broker gone")

    log = Down([record(i, reading(i)) for i in range(5)], topic=TOPIC)
    log.offset = 2
    with pytest.raises(SegmentFailed) as failed:
        land_partition(log, MemoryStore(), BUCKETS, energy)
    assert (failed.value.offset, failed.value.transient, failed.value.topic) == (2, True, TOPIC)


def test_an_operator_skip_dead_letters_the_range_whole_and_commits_past_it(
    energy: Contract,
) -> None:
    log, store = log_of(12), MemoryStore()
    land_partition(log, store, BUCKETS, energy, max_records=4, max_segments=1)
    landed = skip_range(log, store, BUCKETS, energy, 4, 6, by="li.wei", why="decoder crash 读数")
    assert (landed.segment.start, landed.end, landed.readings, landed.dead_readings) == (4, 6, 0, 2)
    assert log.committed() == 6
    dead = from_parquet(store.get("dead", landed.raw_key)).to_pylist()
    assert [d["offset"] for d in dead] == [4, 5]
    assert {d["reason_code"] for d in dead} == {Reason.SKIPPED_BY_OPERATOR}
    assert dead[0]["reason"] == "skipped by li.wei: decoder crash 读数"
    assert dead[0]["value"] == log.records[4].value
    meta = store.head("raw", landed.raw_key) or {}
    assert meta["skipped-by"] == "li.wei" and "skipped-at" in meta
    land_partition(log, store, BUCKETS, energy, max_records=4)
    assert_tiled(store, energy, 12)


@pytest.mark.parametrize(
    ("start", "end", "by", "problem"),
    [
        (5, 6, "ops", "goes on at offset 4"),
        (4, 4, "ops", "must end after 4"),
        (4, 99, "ops", "log end 12"),
        (4, 6, " ", "say who skips"),
    ],
)
def test_a_skip_that_does_not_start_where_the_partition_goes_on_is_refused(
    energy: Contract, start: int, end: int, by: str, problem: str
) -> None:
    log, store = log_of(12), MemoryStore()
    land_partition(log, store, BUCKETS, energy, max_records=4, max_segments=1)
    with pytest.raises(SkipRefused) as refused:
        skip_range(log, store, BUCKETS, energy, start, end, by=by, why="because")
    assert problem in refused.value.problem
    assert (refused.value.start, refused.value.end) == (start, end)
    assert log.committed() == 4


def test_a_skip_of_unreadable_records_keeps_one_letter_per_offset(energy: Contract) -> None:
    class Unreadable(MemoryPartition):
        def read(self, start: int, end: int, max_bytes: int | None) -> Any:
            from assay.errors import KafkaUnavailable

            raise KafkaUnavailable(TOPIC, "CRC mismatch")

    log, store = Unreadable([record(i, reading(i)) for i in range(6)], topic=TOPIC), MemoryStore()
    landed = skip_range(log, store, BUCKETS, energy, 0, 3, by="ops", why="corrupt batch")
    dead = from_parquet(store.get("dead", landed.raw_key)).to_pylist()
    assert [(d["offset"], d["value"]) for d in dead] == [(0, None), (1, None), (2, None)]
    assert "CRC mismatch" in dead[0]["reason"]


# What may happen to a partition between and during runs.
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("land"), st.integers(1, 9)),
        st.tuples(st.just("race"), st.integers(1, 9), st.integers(1, 9)),
        st.tuples(st.just("crash"), st.integers(1, 9)),
        st.tuples(st.just("expire"), st.integers(0, 12)),
        st.tuples(st.just("forget"), st.just(0)),
        st.tuples(st.just("produce"), st.integers(0, 15)),
    ),
    max_size=12,
)


class Crash(Exception):
    pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS)
def test_whatever_happens_segments_and_losses_tile_the_offsets(
    energy: Contract, steps: list[tuple[Any, ...]]
) -> None:
    log, store = log_of(10), RacingStore()
    for step in steps:
        _apply(step, log, store, energy)
    land_partition(log, store, BUCKETS, energy, max_records=5)  # a last, undisturbed run
    assert_tiled(store, energy, log.committed())
    assert log.committed() == log.bounds()[1]


def _apply(step: tuple[Any, ...], log: MemoryPartition, store: RacingStore, c: Contract) -> None:
    kind, n, *more = step
    if kind == "land":
        land_partition(log, store, BUCKETS, c, max_records=n)
    elif kind == "race":
        store.other = lambda: land_partition(log, store, BUCKETS, c, max_records=more[0])
        land_partition(log, store, BUCKETS, c, max_records=n)
        store.other = None
    elif kind == "crash":
        commit = log.commit
        log.commit = lambda *_: (_ for _ in ()).throw(Crash())  # type: ignore[method-assign]
        with contextlib.suppress(SegmentFailed):  # nothing to land: no crash either
            land_segment(log, store, BUCKETS, c, max_records=n)
        log.commit = commit  # type: ignore[method-assign]
    elif kind == "expire":
        log.low = min(log.bounds()[1], log.low + n)
    elif kind == "forget":
        log.offset = None
    else:
        top = log.bounds()[1]
        log.records += [record(i, reading(i)) for i in range(top, top + n)]
