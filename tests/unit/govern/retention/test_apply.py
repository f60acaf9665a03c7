"""Retention on a MemoryStore: what goes when, what stays, and the audit after it."""

from __future__ import annotations

import json

import pytest

from assay.govern.audit import Audit, audit
from assay.govern.retention import RetentionRefused, apply_retention
from assay.pipeline import problems
from assay.pipeline.ingest.landing import MemoryPartition, land_partition
from assay.pipeline.ingest.skip import skip_range
from assay.pipeline.validate import curation
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.expiry import load_ledger
from assay.store.objects import MemoryStore
from schemas import Contract, wire

from .conftest import BUCKETS, TOPIC, Clock, faulty_records, land, reading, record, validate

READINGS = 60  # three segments of 20 records; 59 readings (one undecodable), one replay


def audited(store: MemoryStore, contract: Contract, end: int = READINGS) -> Audit:
    return audit(store, BUCKETS, "dead", contract, {0: (0, end, end)})


def landed_and_validated(store: MemoryStore, contract: Contract) -> None:
    land(store, contract, faulty_records(0, READINGS))
    validate(store, contract)


def layer_keys(store: MemoryStore, bucket: str) -> list[str]:
    return store.keys(bucket, "energy_meter/v1/")


def test_nothing_goes_before_its_time(store: MemoryStore, clock: Clock, energy: Contract) -> None:
    landed_and_validated(store, energy)
    before = dict(store.objects)
    run = apply_retention(store, BUCKETS, energy, clock.advance(hours=23))
    assert run.expired == [] and store.objects == before


def test_raw_dead_letters_and_quarantine_go_together_and_the_audit_balances(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    landed_and_validated(store, energy)
    balanced = audited(store, energy)
    assert balanced.problems == [] and balanced.totals.dead_lettered == 1
    run = apply_retention(store, BUCKETS, energy, clock.advance(days=1))
    stems = [layout.Segment("assay.energy_meter.v1", 0, s).stem for s in (0, 20, 40)]
    assert [entry.segment for _, entry in run.expired] == stems
    assert [layer_keys(store, b) for b in ("raw", "dead", "q")] == [[], [], []]
    assert len(layer_keys(store, "cur")) == 3
    after = audited(store, energy)
    assert after.problems == []
    assert after.expired_ranges == {0: [(0, 20), (20, 40), (40, 60)]}
    assert after.totals.expired == after.totals.produced == balanced.totals.produced
    for name in ("curated", "quarantined", "dead_lettered", "duplicates"):
        assert getattr(after.totals, name) == getattr(balanced.totals, name), name


def test_the_ledger_says_what_each_layer_lost(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    landed_and_validated(store, energy)
    apply_retention(store, BUCKETS, energy, clock.advance(days=1))
    ledger = load_ledger(store, "rep", "energy_meter", 1, 0)
    first = ledger.segments[layout.Segment("assay.energy_meter.v1", 0, 0).stem]
    assert (first.start_offset, first.end_offset, first.records) == (0, 20, 20)
    assert (first.readings, first.dead_readings) == (19, 1)
    assert {name: (r.objects, r.readings) for name, r in first.layers.items()} == {
        "raw": (1, 19),
        "deadletter": (1, 1),
        "quarantine": (1, 1),
    }
    assert first.landed == "2026-03-01T12:00:00+00:00"
    (page,) = store.keys("rep", ledger.prefix)
    assert json.loads(store.get("rep", page))["segments"][0]["layers"]["raw"]["on"] == "2026-03-02"


def test_curated_goes_at_its_own_retention(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    landed_and_validated(store, energy)
    curated_before = audited(store, energy).totals.curated
    apply_retention(store, BUCKETS, energy, clock.advance(days=1))
    run = apply_retention(store, BUCKETS, energy, clock.advance(days=2))
    assert run.layers()["curated"] == (3, 3, curated_before)
    assert layer_keys(store, "cur") == []
    after = audited(store, energy)
    assert after.problems == [] and after.totals.curated == curated_before


def test_an_unvalidated_segment_is_kept_and_named(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    land(store, energy, faulty_records(0, READINGS))
    run = apply_retention(store, BUCKETS, energy, clock.advance(days=30))
    assert run.expired == [] and len(run.waiting) == 3
    assert len(layer_keys(store, "raw")) == 3


def test_a_dry_run_removes_nothing_and_says_the_same(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    landed_and_validated(store, energy)
    before = dict(store.objects)
    now = clock.advance(days=1)
    dry = apply_retention(store, BUCKETS, energy, now, dry_run=True)
    assert store.objects == before
    wet = apply_retention(store, BUCKETS, energy, now)
    assert dry.layers() == wet.layers() and dry.expired == wet.expired


def test_validation_continues_from_a_removed_segment(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    landed_and_validated(store, energy)
    apply_retention(store, BUCKETS, energy, clock.advance(days=1))
    replay = {wire.HEADER_REPLAY: "1"}
    later = [record(READINGS, reading(2), headers=replay)]  # a replay of seq 2, now long gone
    later += [record(READINGS + i, reading(READINGS + i)) for i in range(1, 10)]
    land(store, energy, later)
    (summary,) = validate(store, energy)
    assert summary.duplicates == 1
    assert audited(store, energy, READINGS + 10).problems == []


def test_a_run_that_stopped_after_the_ledger_is_finished_by_the_next(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    landed_and_validated(store, energy)
    now = clock.advance(days=1)
    original = store.remove_version
    store.remove_version = lambda *a: (_ for _ in ()).throw(OSError("stopped"))  # type: ignore[method-assign]
    with pytest.raises(OSError):
        apply_retention(store, BUCKETS, energy, now)
    assert audited(store, energy).problems == []  # the ledger names objects still stored
    store.remove_version = original  # type: ignore[method-assign]
    apply_retention(store, BUCKETS, energy, now)
    assert [layer_keys(store, b) for b in ("raw", "dead", "q")] == [[], [], []]
    assert audited(store, energy).problems == []


def test_replaced_versions_go_with_their_object_and_reports_keep_theirs(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    landed_and_validated(store, energy)
    clock.advance(hours=1)
    checked = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")
    curation.validate_segment(store, checked, energy, layer_keys(store, "raw")[0])
    replaced = {k for k, v in store.older.items() if v}
    assert {b for b, _ in replaced} == {"cur", "q", "rep"}
    run = apply_retention(store, BUCKETS, energy, clock.advance(hours=23))
    assert not run.noncurrent  # replaced 23 h ago: a day not over yet
    apply_retention(store, BUCKETS, energy, clock.advance(hours=2))
    assert not any(v for (b, _), v in store.older.items() if b == "q")
    assert any(v for (b, _), v in store.older.items() if b == "cur")
    assert any(v for (b, _), v in store.older.items() if b == "rep")  # the accounting stays


def test_the_releases_bucket_is_refused(store: MemoryStore, clock: Clock, energy: Contract) -> None:
    shared = Buckets(raw="raw", curated="same", releases="same")
    with pytest.raises(RetentionRefused) as refused:
        apply_retention(store, shared, energy, clock.now)
    assert refused.value.bucket == "same"


def test_a_skip_and_a_loss_tile_with_expired_segments_and_count_the_same(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    log = MemoryPartition([record(i, reading(i)) for i in range(30)], topic=TOPIC)
    land_partition(log, store, BUCKETS, energy, max_records=4, max_segments=1)
    skip_range(log, store, BUCKETS, energy, 4, 7, by="ops", why="poison")
    land_partition(log, store, BUCKETS, energy, max_records=10, max_segments=1)
    log.low = 20  # offsets 17-20 expire from Kafka before they land: a recorded loss
    land_partition(log, store, BUCKETS, energy, max_records=10)
    (loss,) = problems.losses(store, "raw", energy)
    problems.acknowledge_loss(store, "raw", energy, loss, "ops", "broker down")
    validate(store, energy)
    before = audited(store, energy, 30)
    assert before.problems == [] and before.totals.skipped_by_operator == 3
    apply_retention(store, BUCKETS, energy, clock.advance(days=1))
    assert layer_keys(store, "raw") == []
    after = audited(store, energy, 30)
    assert after.problems == [] and after.expired_spans(0) == [(0, 17), (20, 30)]
    for name in ("produced", "curated", "dead_lettered", "skipped_by_operator", "lost_records"):
        assert getattr(after.totals, name) == getattr(before.totals, name), name
