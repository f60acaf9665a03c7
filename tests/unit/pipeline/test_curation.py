"""Validation of landed segments in memory: the accounting of every reading, and re-runs."""

from __future__ import annotations

import json

import pytest
from inert_markup import executable_markup

from assay.govern.audit import audit
from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import MemoryPartition, land_partition
from assay.pipeline.validate import curation
from assay.store import layout
from assay.store.objects import MemoryStore
from assay.store.parquet import from_parquet
from schemas import Contract, wire

from .conftest import reading, record
from .test_landing import memory_log

BUCKETS = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")


@pytest.fixture(scope="module")
def validated(energy: Contract) -> tuple[MemoryStore, list[curation.Summary], MemoryPartition]:
    replay = {wire.HEADER_REPLAY: "1"}
    records = [record(i, reading(i)) for i in range(120)]
    records += [record(120, reading(5), headers=replay)]  # a spool replay of seq 5
    records += [record(121, reading(121, voltage_l1=9999.0))]  # out of range
    records += [record(122, b"junk")]  # undecodable
    records += [record(123, reading(3, device_id="meter-x"))]  # seq 3 again, not a replay
    log, store = memory_log(records), MemoryStore()
    land_partition(log, store, LandingBuckets(raw="raw", deadletter="dead"), energy, max_records=60)
    summaries = curation.validate_pending(store, BUCKETS, energy, 0)
    return store, summaries, log


def test_every_reading_lands_in_exactly_one_place(validated, energy: Contract) -> None:
    store, summaries, _ = validated
    assert all(s.balanced for s in summaries)
    totals = {
        k: sum(getattr(s, k) for s in summaries) for k in ("curated", "quarantined", "duplicates")
    }
    assert totals == {"curated": 120, "quarantined": 2, "duplicates": 1}
    result = audit(store, BUCKETS, "dead", energy, {0: (0, 124, 124)})
    assert result.problems == []
    assert (result.totals.produced, result.totals.dead_lettered) == (124, 1)


def test_a_sequence_reset_is_quarantined_with_its_reason(validated) -> None:
    store, summaries, _ = validated
    rows = [
        r
        for s in summaries
        if s.quarantine_key
        for r in from_parquet(store.get("q", s.quarantine_key)).to_pylist()
    ]
    reset = [r for r in rows if curation.SEQUENCE_RESET in r["failed_rules"]]
    assert [(r["device_id"], r["seq"]) for r in reset] == [("meter-x", 3)]
    assert reset[0]["failed_dimensions"] == ["consistency"]
    assert "producer_id" in reset[0]["reason"]
    assert any(s.by_rule.get(curation.SEQUENCE_RESET) == 1 for s in summaries)


def test_revalidation_rewrites_the_same_objects(validated, energy: Contract) -> None:
    store, summaries, _ = validated
    before = {k: v for k, v in store.objects.items() if k[0] in ("cur", "q")}
    for summary in summaries:
        curation.validate_segment(store, BUCKETS, energy, summary.raw_key)
    assert {k: v for k, v in store.objects.items() if k[0] in ("cur", "q")} == before
    assert curation.pending(store, BUCKETS, energy, 0) == []


def test_segments_are_validated_in_offset_order(energy: Contract) -> None:
    log, store = memory_log([record(i, reading(i)) for i in range(20)]), MemoryStore()
    land_partition(log, store, LandingBuckets(raw="raw", deadletter="dead"), energy, max_records=10)
    second = curation.pending(store, BUCKETS, energy, 0)[1]
    with pytest.raises(curation.OutOfOrder) as err:
        curation.validate_segment(store, BUCKETS, energy, second)
    assert err.value.transient


def test_stream_rules_continue_across_segments(energy: Contract) -> None:
    # Segment 1 ends with meter-0's energy register at 1000 + 9; segment 2 opens below it.
    first = [record(i, reading(i, device_id="meter-0")) for i in range(10)]
    dip = reading(10, device_id="meter-0", active_energy=500.0)  # a fall, not a reset near 0
    later = [record(11 + i, reading(11 + i, device_id="meter-0")) for i in range(9)]
    log, store = memory_log([*first, record(10, dip), *later]), MemoryStore()
    land_partition(log, store, LandingBuckets(raw="raw", deadletter="dead"), energy, max_records=10)
    summaries = curation.validate_pending(store, BUCKETS, energy, 0)
    assert [s.quarantined for s in summaries] == [0, 1]
    assert summaries[1].by_rule.get("monotonic:active_energy") == 1
    assert (summaries[1].readings, summaries[1].curated) == (10, 9)  # context rows are not counted


def test_a_backlog_lists_its_partition_once_not_once_per_segment(energy: Contract) -> None:
    log, store = memory_log([record(i, reading(i)) for i in range(50)]), MemoryStore()
    land_partition(log, store, LandingBuckets(raw="raw", deadletter="dead"), energy, max_records=10)
    listed: list[str] = []
    keys = store.keys

    def counted(bucket: str, prefix: str = "") -> list[str]:
        listed.append(bucket)
        return keys(bucket, prefix)

    store.keys = counted  # type: ignore[method-assign]
    summaries = curation.validate_pending(store, BUCKETS, energy, 0)
    assert [s.readings for s in summaries] == [10] * 5
    assert listed.count("raw") == 1
    # The same state as segment by segment, each finding its predecessor by listing.
    store.keys = keys  # type: ignore[method-assign]
    again = MemoryStore()
    land_partition(
        memory_log(log.records),
        again,
        LandingBuckets(raw="raw", deadletter="dead"),
        energy,
        max_records=10,
    )
    for key in curation.pending(again, BUCKETS, energy, 0):
        curation.validate_segment(again, BUCKETS, energy, key)
    assert {k: v for k, v in again.objects.items() if k[0] != "rep"} == {
        k: v for k, v in store.objects.items() if k[0] != "rep"
    }


def test_a_partition_with_nothing_landed_has_nothing_pending(energy: Contract) -> None:
    store = MemoryStore()
    assert curation.pending(store, BUCKETS, energy, 3) == []
    assert curation.validate_pending(store, BUCKETS, energy, 3) == []


def test_a_store_landed_under_the_old_names_keeps_working(energy: Contract) -> None:
    """Segments landed before the current names, validated after the upgrade beside new ones."""
    log, store = memory_log([record(i, reading(i)) for i in range(30)]), MemoryStore()
    land_partition(log, store, LandingBuckets(raw="raw", deadletter="dead"), energy, max_records=10)
    for key in curation.pending(store, BUCKETS, energy, 0)[:2]:
        old = layout.raw_key(energy.name, 1, layout.Segment.parse(key).as_legacy())
        store.objects[("raw", old)] = store.objects.pop(("raw", key))
    summaries = curation.validate_pending(store, BUCKETS, energy, 0)
    assert [layout.Segment.parse(s.raw_key).start for s in summaries] == [0, 10, 20]
    assert ["+" in k for s in summaries for k in s.curated_keys] == [True, True, False]
    assert curation.pending(store, BUCKETS, energy, 0) == []
    offsets = {0: (0, 30, 30)}
    result = audit(store, BUCKETS, "dead", energy, offsets)
    assert result.problems == [] and result.totals.curated == 30


def test_reports_are_stored_inert(energy: Contract) -> None:
    hostile = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
    log = memory_log(
        [record(i, reading(i, circuit=hostile if i == 3 else "F1")) for i in range(10)]
    )
    store = MemoryStore()
    land_partition(log, store, LandingBuckets(raw="raw", deadletter="dead"), energy)
    (summary,) = curation.validate_pending(store, BUCKETS, energy, 0)
    prefix = summary.raw_key.removesuffix(".parquet") + "/"
    docs, result = (("rep", prefix + name) for name in ("data_docs.html", "validation.json"))
    assert store.headers[docs] == {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Disposition": "attachment",
    }
    assert executable_markup(store.get(*docs).decode()) == []
    stored = store.get(*result)
    assert b"<" not in stored and hostile in json.dumps(json.loads(stored))


def test_a_segment_of_only_duplicates_is_stamped_with_its_own_ingest_time(
    energy: Contract,
) -> None:
    replay = {wire.HEADER_REPLAY: "1"}
    records = [record(i, reading(i)) for i in range(5)]
    records += [record(5 + i, reading(i), headers=replay) for i in range(5)]
    store = MemoryStore()
    log = memory_log(records)
    land_partition(log, store, LandingBuckets(raw="raw", deadletter="dead"), energy, max_records=5)
    first, again = curation.validate_pending(store, BUCKETS, energy, 0)
    assert again.duplicates == 5 and again.curated == again.quarantined == 0
    for summary in (first, again):
        key = summary.raw_key.removesuffix(".parquet") + "/validation.json"
        run = json.loads(store.get("rep", key))["meta"]["run_id"]["run_time"]
        assert run.startswith("2026-03-01T08:00:04.5"), run
