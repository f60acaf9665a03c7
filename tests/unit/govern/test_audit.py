"""The audit names what expired before it landed, and balances over an operator's skip (frames
included: a skipped frame counts the readings its `count` header declares)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.govern.audit import audit
from assay.pipeline import problems
from assay.pipeline.ingest._frames import MAX_FRAME_ROWS
from assay.pipeline.ingest.decode import Expect, decode
from assay.pipeline.ingest.landing import Buckets, MemoryPartition, land_partition
from assay.pipeline.ingest.skip import skip_range
from assay.pipeline.validate import curation
from assay.pipeline.validate.curation import Buckets as CurationBuckets
from assay.store.objects import MemoryStore
from schemas import Contract, load_contract

from ..pipeline.conftest import TOPIC, reading, record
from ..pipeline.decoding import frame_record

LAND = Buckets(raw="raw", deadletter="dead")
ALL = CurationBuckets(raw="raw", curated="cur", quarantine="q", reports="rep")
ENERGY: Contract = load_contract("energy_meter")


def log_of(n: int) -> MemoryPartition:
    return MemoryPartition([record(i, reading(i)) for i in range(n)], topic=TOPIC)


def audited(store: MemoryStore, log: MemoryPartition) -> list[str]:
    return audit(store, ALL, "dead", ENERGY, {0: (*log.bounds(), log.committed())}).problems


def test_a_recorded_loss_fails_the_audit_until_it_is_acknowledged() -> None:
    log, store = log_of(30), MemoryStore()
    land_partition(log, store, LAND, ENERGY, max_records=10, max_segments=1)
    log.low = 18
    land_partition(log, store, LAND, ENERGY, max_records=10)
    (problem,) = audited(store, log)
    assert "offsets 10-18 (8 records) expired" in problem
    (loss,) = problems.losses(store, "raw", ENERGY)
    problems.acknowledge_loss(store, "raw", ENERGY, loss, "ops", "broker down for a week")
    assert audited(store, log) == []
    result = audit(store, ALL, "dead", ENERGY, {0: (18, 30, 30)})
    assert result.totals.lost_records == 8
    assert problems.losses(store, "raw", ENERGY)[0].acknowledged_why == "broker down for a week"


def test_an_expiry_not_yet_seen_by_an_ingest_is_named_too() -> None:
    log, store = log_of(30), MemoryStore()
    land_partition(log, store, LAND, ENERGY, max_records=10, max_segments=1)
    log.low = 25
    (problem,) = audited(store, log)
    assert "offsets 10-25 (15 records) expired" in problem


def test_offsets_neither_landed_nor_lost_are_a_gap() -> None:
    log, store = log_of(30), MemoryStore()
    log.offset = 5  # someone moved the group past records nobody landed
    land_partition(log, store, LAND, ENERGY)
    (problem,) = audited(store, log)
    assert "offsets 0-5 are neither landed nor recorded as lost" in problem


def test_an_operator_skip_keeps_the_audit_balanced() -> None:
    log, store = log_of(12), MemoryStore()
    land_partition(log, store, LAND, ENERGY, max_records=4, max_segments=1)
    skip_range(log, store, LAND, ENERGY, 4, 7, by="ops", why="poison")
    land_partition(log, store, LAND, ENERGY)
    assert audited(store, log) == []
    summaries = curation.validate_pending(store, ALL, ENERGY, 0)
    assert [s.readings for s in summaries] == [4, 0, 5]  # the skipped segment has no readings
    result = audit(store, ALL, "dead", ENERGY, {0: (0, 12, 12)})
    assert result.balanced, result.problems
    totals = result.totals
    assert (totals.produced, totals.dead_lettered, totals.skipped_by_operator) == (12, 3, 3)
    assert (totals.curated, totals.awaiting_validation) == (9, 0)


COUNTS = st.one_of(st.none(), st.integers(-(10**30), 10**30), st.binary(max_size=8))


def clamped(count: object) -> int:
    """What a frame with this ``count`` header carries: the number, within 1..MAX_FRAME_ROWS."""
    if isinstance(count, int):
        return min(max(count, 1), MAX_FRAME_ROWS)
    try:
        return clamped(int(count.decode("utf-8", "replace"))) if count is not None else 1
    except ValueError:
        return 1


@settings(max_examples=80, deadline=None)
@given(counts=st.lists(COUNTS, min_size=1, max_size=6))
def test_a_skipped_frame_counts_the_readings_its_count_header_declares(
    counts: list[int | bytes | None],
) -> None:
    frames = [frame_record(i, b"not an arrow stream", c) for i, c in enumerate(counts)]
    records, end = [*frames, record(len(frames), reading(0))], len(frames) + 1
    log, store = MemoryPartition(records, topic=TOPIC), MemoryStore()
    skip_range(log, store, LAND, ENERGY, 0, end, by="ops", why="poison")
    result = audit(store, ALL, "dead", ENERGY, {0: (0, end, end)})
    assert result.balanced, result.problems
    totals = result.totals
    assert totals.produced == totals.dead_lettered == totals.skipped_by_operator
    assert totals.produced == sum(map(clamped, counts)) + 1  # the JSON reading counts once
    # the same count decoding gives the frames when it dead-letters them whole
    assert sum(d.readings for d in decode(frames, Expect.of(ENERGY)).dead) == totals.produced - 1
