"""Retention of objects no segment owns: accepted rows' curated objects and claim-checks."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.govern.audit import Audit, audit
from assay.govern.retention import apply_retention
from assay.govern.roles import Actor
from assay.govern.triage import RowFilter, TriageDecision, decide, materialize
from assay.store import layout
from assay.store.expiry import load_object_ledger
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, LANDED, Clock, faulty_records, land, validate

READINGS = 60
MEI = Actor("mei", "steward")
CLAIM = "claims/energy_meter/meter-1/2026-03-01/s-1.png"
OTHER_CLAIM = "claims/energy_meter_x/meter-1/2026-03-01/s-1.png"


def audited(store: MemoryStore, contract: Contract) -> Audit:
    return audit(store, BUCKETS, "dead", contract, {0: (0, READINGS, READINGS)})


def accepted(store: MemoryStore, contract: Contract, clock: Clock) -> TriageDecision:
    """Land and validate three segments; a steward accepts the out-of-range reading later."""
    land(store, contract, faulty_records(0, READINGS))
    validate(store, contract)
    clock.advance(hours=12)
    return decide(
        store, BUCKETS, contract, "accept", RowFilter(rule="range:voltage_l1"), "probe", MEI
    )


def test_accepted_rows_go_with_their_segments_curated_objects(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    decision = accepted(store, energy, clock)
    (key,) = decision.curated
    before = audited(store, energy)
    assert before.problems == [] and before.totals.accepted == 1
    apply_retention(store, BUCKETS, energy, LANDED + timedelta(days=3) - timedelta(seconds=1))
    assert store.head("cur", key) is not None  # three days from landing, not from the decision
    run = apply_retention(store, BUCKETS, energy, LANDED + timedelta(days=3))
    assert run.layers()["accepted"] == (0, 1, 1)
    assert store.head("cur", key) is None and store.list_versions("cur", key) == []
    record = load_object_ledger(store, "rep", "energy_meter", 1).expired("accepted", key)
    assert record is not None and (record.decision, record.readings) == (decision.id, 1)
    assert record.landed == LANDED.isoformat() and record.on == "2026-03-04"
    after = audited(store, energy)
    assert after.problems == []
    assert (after.totals.curated, after.totals.accepted) == (
        before.totals.curated,
        before.totals.accepted,
    )


def test_a_removed_accepted_object_is_not_written_again(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    decision = accepted(store, energy, clock)
    apply_retention(store, BUCKETS, energy, LANDED + timedelta(days=3))
    assert materialize(store, BUCKETS, energy, decision) == []
    assert store.keys("cur", "energy_meter/") == []


def test_an_accepted_object_removed_without_a_record_is_still_missing(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    (key,) = accepted(store, energy, clock).curated
    store.delete("cur", key)
    assert any(key in problem for problem in audited(store, energy).problems)


def test_claims_go_at_the_curated_retention_and_only_the_contracts(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    store.put("raw", CLAIM, b"png-1")
    store.put("raw", OTHER_CLAIM, b"png-2")
    clock.advance(days=1)
    store.put("raw", CLAIM, b"png-1 again")  # a re-upload: the old version is replaced
    assert apply_retention(store, BUCKETS, energy, LANDED + timedelta(days=3)).objects == []
    assert len(store.list_versions("raw", CLAIM)) == 2
    run = apply_retention(store, BUCKETS, energy, LANDED + timedelta(days=4))
    assert [(e.layer, e.key, e.readings) for e in run.objects] == [("claims", CLAIM, 0)]
    assert store.list_versions("raw", CLAIM) == []
    assert store.head("raw", OTHER_CLAIM) is not None
    ledger = load_object_ledger(store, "rep", "energy_meter", 1)
    assert ledger.expired("claims", CLAIM) is not None


def test_a_replaced_claim_version_goes_once_replaced_that_long(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    for n in range(3):  # uploaded again a day later, twice
        store.put("raw", CLAIM, f"png {n}".encode())
        clock.advance(days=1)
    run = apply_retention(store, BUCKETS, energy, LANDED + timedelta(days=4))
    assert run.objects == [] and run.noncurrent["raw"] == 1
    assert len(store.list_versions("raw", CLAIM)) == 2
    assert store.get("raw", CLAIM) == b"png 2"


def test_a_dry_run_names_the_objects_and_removes_nothing(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    accepted(store, energy, clock)
    store.put("raw", CLAIM, b"png")
    before = dict(store.objects)
    run = apply_retention(store, BUCKETS, energy, LANDED + timedelta(days=5), dry_run=True)
    assert sorted(e.layer for e in run.objects) == ["accepted", "claims"]
    assert store.objects == before


def test_a_run_that_stopped_after_the_ledger_page_is_finished_by_the_next(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    (key,) = accepted(store, energy, clock).curated
    store.put("raw", CLAIM, b"png")
    now = LANDED + timedelta(days=5)
    plan = apply_retention(store, BUCKETS, energy, now, dry_run=True)
    page_key, page = load_object_ledger(store, "rep", "energy_meter", 1).page(plan.objects, now)
    store.create("rep", page_key, page)  # the page was written, nothing removed yet
    assert audited(store, energy).problems == []
    apply_retention(store, BUCKETS, energy, now)
    assert store.head("cur", key) is None and store.head("raw", CLAIM) is None
    assert audited(store, energy).problems == []


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hours=st.lists(st.integers(min_value=0, max_value=24 * 6), min_size=1, max_size=4))
def test_whenever_retention_runs_the_audit_balances_and_accepted_rows_stay_curated(
    energy: Contract, hours: list[int]
) -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    (key,) = accepted(store, energy, clock).curated
    curated = audited(store, energy).totals.curated
    for moment in sorted(hours):
        now = LANDED + timedelta(hours=moment)
        apply_retention(store, BUCKETS, energy, now)
        result = audited(store, energy)
        assert result.problems == [] and result.totals.curated == curated
        assert (store.head("cur", key) is None) == (now - LANDED >= timedelta(days=3))
    assert layout.claims_prefix("energy_meter") == "claims/energy_meter/"
