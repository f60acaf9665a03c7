"""Landing: segments named by their records, committed after the object, re-runs identical."""

from __future__ import annotations

import gc

import pytest

from assay.pipeline import problems
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import (
    Buckets,
    MemoryPartition,
    SegmentFailed,
    land_partition,
    land_segment,
)
from assay.store import layout
from assay.store.objects import MemoryStore
from assay.store.parquet import from_parquet
from schemas import Contract

from .conftest import TOPIC, reading, record

BUCKETS = Buckets(raw="raw", deadletter="dead")


def memory_log(records: list[Record], low: int = 0) -> MemoryPartition:
    """One partition of the energy_meter topic in memory."""
    return MemoryPartition(records, topic=TOPIC, low=low)


def test_segments_are_cut_by_count_and_committed(energy: Contract) -> None:
    log, store = memory_log([record(i, reading(i)) for i in range(25)]), MemoryStore()
    landed = land_partition(log, store, BUCKETS, energy, max_records=10)
    assert [(x.segment.start, x.end, x.readings) for x in landed] == [
        (0, 10, 10),
        (10, 20, 10),
        (20, 25, 5),
    ]
    assert log.commits == [
        (10, f"{TOPIC}-p0-o{0:020d}"),
        (20, f"{TOPIC}-p0-o{10:020d}"),
        (25, f"{TOPIC}-p0-o{20:020d}"),
    ]
    assert store.keys("raw") == [
        f"energy_meter/v1/partition=0/{TOPIC}-p0-o{s:020d}.parquet" for s in (0, 10, 20)
    ]
    assert land_segment(log, store, BUCKETS, energy) is None


def test_a_run_stops_at_the_end_it_found_and_leaves_later_records_to_the_next(
    energy: Contract,
) -> None:
    log, store = memory_log([record(i, reading(i)) for i in range(20)]), MemoryStore()
    arriving = iter(range(20, 1_000))

    def more_arrive(_landed: object) -> None:  # a steady stream while the run writes
        for _ in range(10):
            i = next(arriving)
            log.records.append(record(i, reading(i)))

    landed = land_partition(log, store, BUCKETS, energy, max_records=10, progress=more_arrive)
    assert [(x.segment.start, x.end) for x in landed] == [(0, 10), (10, 20)]
    nxt = land_partition(log, store, BUCKETS, energy, max_records=10)
    assert [(x.segment.start, x.end) for x in nxt] == [(20, 30), (30, 40)]


def test_a_caught_up_run_asks_for_the_partition_end_once_per_segment(energy: Contract) -> None:
    # Each question to a live consumer that has just fetched waits out its fetch (~0.5 s).
    log, store = memory_log([record(i, reading(i)) for i in range(25)]), MemoryStore()
    asked: list[int] = []
    bounds = log.bounds

    def counted() -> tuple[int, int]:
        asked.append(1)
        return bounds()

    log.bounds = counted  # type: ignore[method-assign]
    landed = land_partition(log, store, BUCKETS, energy, max_records=10)
    assert [x.end for x in landed] == [10, 20, 25]
    assert len(asked) == 1 + 3  # the run's end, then one per segment landed; none after


def test_object_metadata_records_the_offset_range(energy: Contract) -> None:
    log, store = (
        memory_log([record(i, reading(i)) for i in range(5)] + [record(5, b"junk")]),
        MemoryStore(),
    )
    landed = land_segment(log, store, BUCKETS, energy)
    assert landed is not None
    meta = store.head("raw", landed.raw_key)
    assert meta is not None
    assert (
        meta["start-offset"],
        meta["end-offset"],
        meta["records"],
        meta["readings"],
        meta["dead-readings"],
    ) == ("0", "6", "6", "5", "1")
    dead = from_parquet(store.get("dead", landed.raw_key))
    assert dead["offset"].to_pylist() == [5]


def test_crash_before_commit_rewrites_the_same_bytes(energy: Contract) -> None:
    records = [record(i, reading(i)) for i in range(8)]
    store, first = MemoryStore(), memory_log(records[:5])
    land_segment(first, store, BUCKETS, energy)
    key = store.keys("raw")[0]
    before = store.get("raw", key)
    # The commit never happened, and meanwhile more records arrived.
    again = memory_log(records)
    landed = land_segment(again, store, BUCKETS, energy)
    assert landed is not None and landed.recovered
    assert (landed.end, store.get("raw", key)) == (5, before)
    nxt = land_segment(again, store, BUCKETS, energy)
    assert nxt is not None and (nxt.segment.start, nxt.end) == (5, 8)


def test_byte_cut_depends_only_on_records(energy: Contract) -> None:
    records = [record(i, reading(i)) for i in range(20)]
    size = len(records[0].value or b"")
    landed = land_partition(memory_log(records), MemoryStore(), BUCKETS, energy, max_bytes=size * 7)
    assert [x.records for x in landed] == [7, 7, 6]


def test_all_dead_segment_still_writes_raw_object(energy: Contract) -> None:
    log, store = memory_log([record(0, b"x"), record(1, b"y")]), MemoryStore()
    landed = land_segment(log, store, BUCKETS, energy)
    assert landed is not None and (landed.readings, landed.dead_readings) == (0, 2)
    assert from_parquet(store.get("raw", landed.raw_key)).num_rows == 0
    assert log.offset == 2


def test_retention_moved_log_start_past_commit_is_recorded_as_loss(energy: Contract) -> None:
    log, store = memory_log([record(i, reading(i)) for i in range(10, 15)], low=10), MemoryStore()
    log.offset = 3
    landed = land_segment(log, store, BUCKETS, energy)
    assert landed is not None and landed.segment.start == 10
    (loss,) = problems.losses(store, "raw", energy)
    assert (loss.partition, loss.start, loss.end, loss.offsets) == (0, 3, 10, 7)
    assert (loss.committed, loss.log_start, loss.topic) == (3, 10, TOPIC)
    assert log.commits[0] == (10, "retention-loss 3-10")


def test_a_segment_landed_under_its_old_name_is_rewritten_there_not_landed_twice(
    energy: Contract,
) -> None:
    """A run that died before its commit under the old names, re-run after the upgrade."""
    log, store = memory_log([record(i, reading(i)) for i in range(20)]), MemoryStore()
    first = land_segment(log, store, BUCKETS, energy, max_records=10)
    assert first is not None
    old = layout.raw_key(energy.name, 1, first.segment.as_legacy())
    store.objects[(BUCKETS.raw, old)] = store.objects.pop((BUCKETS.raw, first.raw_key))
    log.offset = None  # the commit never happened
    again = land_segment(log, store, BUCKETS, energy, max_records=5)
    assert again is not None and (again.raw_key, again.end, again.recovered) == (old, 10, True)
    assert store.keys(BUCKETS.raw) == [old]
    assert log.commits[-1] == (10, first.segment.as_legacy().stem)


class _WatchingCollector(MemoryPartition):
    """Notes whether Python's cycle collector ran while records were read."""

    collector_on_in_read: list[bool]

    def read(self, start: int, end: int, max_bytes: int | None) -> tuple[list[Record], int]:
        self.collector_on_in_read.append(gc.isenabled())
        return super().read(start, end, max_bytes)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_pauses_while_a_segment_is_built_and_is_left_as_found(
    energy: Contract, enabled: bool
) -> None:
    log = _WatchingCollector([record(i, reading(i)) for i in range(25)], topic=TOPIC)
    log.collector_on_in_read = []
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        land_partition(log, MemoryStore(), BUCKETS, energy, max_records=10)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert log.collector_on_in_read == [False, False, False]


def test_the_cycle_collector_runs_again_when_a_segment_fails(energy: Contract) -> None:
    class Broken(MemoryPartition):
        def read(self, start: int, end: int, max_bytes: int | None) -> tuple[list[Record], int]:
            raise OSError("the broker went away")

    assert gc.isenabled()
    with pytest.raises(SegmentFailed) as failed:
        land_partition(Broken([record(0, reading(0))], topic=TOPIC), MemoryStore(), BUCKETS, energy)
    assert gc.isenabled()
    assert isinstance(failed.value.cause, OSError)
    assert (failed.value.partition, failed.value.offset, failed.value.transient) == (0, 0, False)
