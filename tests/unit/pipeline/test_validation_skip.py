"""An operator skips a segment that keeps failing validation: its readings are dead-lettered
with who and why, the partition goes on, and the audit balances."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.govern.audit import Audit, audit
from assay.pipeline import problems
from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import land_partition
from assay.pipeline.validate import curation
from assay.pipeline.validate.skip import ValidationSkipRefused, skip_segment
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import MemoryStore
from assay.store.parquet import from_parquet
from schemas import Contract, load_contract

from .conftest import reading, record
from .test_landing import memory_log

ALL = Buckets(raw="raw", deadletter="dead", curated="cur", quarantine="q", reports="rep")
ENERGY: Contract = load_contract("energy_meter")


def landed(readings: list[dict], per_segment: int) -> MemoryStore:
    log, store = memory_log([record(i, r) for i, r in enumerate(readings)]), MemoryStore()
    land_partition(
        log, store, LandingBuckets(raw="raw", deadletter="dead"), ENERGY, max_records=per_segment
    )
    return store


def audited(store: MemoryStore, produced: int) -> Audit:
    offsets = (0, produced, produced)
    return audit(store, ALL, "dead", ENERGY, {0: offsets})


def test_a_skipped_segment_is_dead_lettered_and_the_partition_goes_on() -> None:
    store = landed([reading(i) for i in range(12)], per_segment=4)
    curation.validate_segment(store, ALL, ENERGY, _first_pending(store))
    problems.note_stall(store, "rep", ENERGY, "validate", 0, 4, RuntimeError("GX crashed"))
    summary = skip_segment(store, ALL, ENERGY, 0, 4, by="li.wei", why="GX crash 校验崩溃")
    assert (summary.readings, summary.skipped, summary.curated, summary.balanced) == (4, 4, 0, True)
    assert problems.stalls(store, "rep", ENERGY) == []
    (after,) = curation.validate_pending(store, ALL, ENERGY, 0)
    assert after.curated == 4
    result = audited(store, 12)
    assert result.balanced, result.problems
    totals = result.totals
    assert (totals.produced, totals.curated, totals.dead_lettered) == (12, 8, 4)
    assert totals.skipped_by_operator == 4


def test_the_dead_letters_keep_each_reading_with_who_and_why() -> None:
    store = landed([reading(i) for i in range(6)], per_segment=3)
    skip_segment(store, ALL, ENERGY, 0, 0, by="li.wei", why="bad batch")
    key = layout.skipped_key(ENERGY.name, ENERGY.major, layout.Segment(_topic(store), 0, 0))
    rows = from_parquet(store.get("dead", key)).to_pylist()
    assert [(r["offset"], r["readings"], r["reason_code"]) for r in rows] == [
        (i, 1, "skipped_by_operator") for i in range(3)
    ]
    assert rows[0]["reason"] == "skipped by li.wei: bad batch"
    assert json.loads(rows[1]["value"])["seq"] == 1
    assert store.head("dead", key)["skipped-by"] == "li.wei"


def test_a_crash_before_the_watermark_is_repaired_by_running_the_skip_again() -> None:
    store = landed([reading(i) for i in range(6)], per_segment=3)
    skip_segment(store, ALL, ENERGY, 0, 0, by="ops", why="poison")
    first = {k: v[0] for k, v in store.objects.items() if k[0] == "dead"}
    watermark = layout.watermark_key(ENERGY.name, ENERGY.major, layout.Segment(_topic(store), 0, 0))
    store.delete("rep", watermark)  # the crash: everything but the watermark was written
    skip_segment(store, ALL, ENERGY, 0, 0, by="ops", why="poison")
    assert {k: v[0] for k, v in store.objects.items() if k[0] == "dead"} == first
    assert audited(store, 6).balanced


@pytest.mark.parametrize(
    ("offset", "by", "problem"),
    [
        (3, "ops", "validation goes on at the segment from offset 0"),
        (0, " ", "say who skips"),
    ],
)
def test_a_skip_of_any_other_segment_is_refused(offset: int, by: str, problem: str) -> None:
    store = landed([reading(i) for i in range(6)], per_segment=3)
    with pytest.raises(ValidationSkipRefused) as err:
        skip_segment(store, ALL, ENERGY, 0, offset, by=by, why="because")
    assert (err.value.partition, err.value.offset) == (0, offset)
    assert err.value.problem.startswith(problem)


def test_nothing_pending_is_refused() -> None:
    store = landed([reading(i) for i in range(3)], per_segment=3)
    curation.validate_pending(store, ALL, ENERGY, 0)
    with pytest.raises(ValidationSkipRefused) as err:
        skip_segment(store, ALL, ENERGY, 0, 0, by="ops", why="late")
    assert "nothing is waiting" in err.value.problem


@settings(max_examples=12, deadline=None)
@given(
    seqs=st.lists(st.integers(0, 15), min_size=2, max_size=24),
    per_segment=st.integers(1, 8),
    data=st.data(),
)
def test_the_audit_balances_whichever_segment_is_skipped(
    seqs: list[int], per_segment: int, data: st.DataObject
) -> None:
    store = landed([reading(s) for s in seqs], per_segment)  # repeated seqs: duplicates
    segments = len(curation.pending(store, ALL, ENERGY, 0))
    skipped = data.draw(st.integers(0, segments - 1))
    for _ in range(skipped):
        curation.validate_segment(store, ALL, ENERGY, _first_pending(store))
    start = layout.Segment.parse(_first_pending(store)).start
    gone = skip_segment(store, ALL, ENERGY, 0, start, by="ops", why="poison")
    curation.validate_pending(store, ALL, ENERGY, 0)
    result = audited(store, len(seqs))
    assert result.balanced, result.problems
    totals = result.totals
    assert totals.skipped_by_operator == gone.skipped == gone.readings
    assert totals.produced == totals.accounted == len(seqs)


def _first_pending(store: MemoryStore) -> str:
    return curation.pending(store, ALL, ENERGY, 0)[0]


def _topic(store: MemoryStore) -> str:
    (key,) = [
        k for b, k in store.objects if b == "raw" and k.endswith("o00000000000000000000.parquet")
    ]
    return layout.Segment.parse(key).topic
