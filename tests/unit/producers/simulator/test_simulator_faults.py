"""Every injected fault trips exactly the rule the ground truth names, and nothing else trips."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from simulator_checks import ERROR_RULES, judge, truth_identities
from simulator_runs import Run, all_faults, simulate

from producers.simulator import (
    FaultCapacityError,
    FaultKind,
    FaultNotSupportedError,
    Simulation,
    SimulatorConfig,
)


def _times_by_device(run: Run) -> dict[str, list[str]]:
    times: dict[str, list[str]] = defaultdict(list)
    for line in run.lines:
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        times[doc["device_id"]].append(doc["event_time"])
    return times


def test_truth_counts_equal_requested_counts(faulty_run: Run) -> None:
    requested = {k.value: n for k, n in faulty_run.config.requested().items()}
    got = {kind: entry["count"] for kind, entry in faulty_run.part["faults"].items()}
    assert got == requested
    assert faulty_run.part["readings"] == faulty_run.config.total == len(faulty_run.items)
    assert faulty_run.part["messages"] == len(faulty_run.lines)


def test_each_fault_trips_exactly_its_rule(faulty_run: Run) -> None:
    verdict = judge(faulty_run.lines, faulty_run.contract)
    times = _times_by_device(faulty_run)
    expected: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for entry in faulty_run.part["faults"].values():
        if entry["outcome"] in ("quarantine", "flag"):
            for reading in entry["readings"]:
                expected[entry["rule"]] |= truth_identities(reading, times)
    flagged = {rule: ids for rule, ids in verdict.flagged.items() if ids}
    assert flagged == dict(expected)


def test_dead_letters_duplicates_and_quiet_kinds(faulty_run: Run) -> None:
    verdict = judge(faulty_run.lines, faulty_run.contract)
    faults = faulty_run.part["faults"]
    wrong = {(r["device_id"], r["event_time"]) for r in faults["wrong_type"]["readings"]}
    assert set(verdict.dead["type_mismatch"]) == wrong
    assert len(verdict.dead["invalid_json"]) == faults["corrupt"]["count"]
    assert verdict.duplicates == faults["duplicate"]["count"]
    every_flag = verdict.rows_with(("range", "not_null", "monotonic", "future",
                                    "freshness", "stuck", "max_gap"))  # fmt: skip
    for kind in ("out_of_order", "legitimate_reset", "duplicate"):
        for reading in faults.get(kind, {"readings": []})["readings"]:
            assert (reading["device_id"], reading["event_time"]) not in every_flag


def test_expected_totals_match_the_model(faulty_run: Run) -> None:
    verdict = judge(faulty_run.lines, faulty_run.contract)
    expected = faulty_run.part["expected"]
    quarantined = verdict.rows_with(ERROR_RULES)
    warned = verdict.rows_with(("freshness", "stuck", "max_gap")) - quarantined
    assert expected["quarantined"] == len(quarantined)
    assert expected["flagged"] == len(warned)
    assert expected["curated"] == len(verdict.rows) - len(quarantined)
    assert expected["dead_lettered"] == sum(len(v) for v in verdict.dead.values())
    total = sum(
        expected[k] for k in ("curated", "quarantined", "dead_lettered", "duplicates_dropped")
    )
    assert total == faulty_run.part["messages"]


def test_legitimate_resets_drop_near_zero(faulty_run: Run) -> None:
    entry = faulty_run.part["faults"].get("legitimate_reset")
    if entry is None:  # only a contract without a resettable counter may lack them
        assert all(f.reset_below is None for f in faulty_run.contract.fields.values())
        return
    floor = faulty_run.contract.fields[entry["field"]].reset_below
    assert all(r["value"] <= floor for r in entry["readings"])


def test_stuck_run_is_one_longer_than_the_rule(faulty_run: Run) -> None:
    entry = faulty_run.part["faults"].get("stuck")
    if entry is None:  # only a contract without a stuck rule may lack them
        assert all(f.stuck_after is None for f in faulty_run.contract.fields.values())
        return
    after = faulty_run.contract.fields[entry["field"]].stuck_after
    assert {r["rows"] for r in entry["readings"]} == {after + 1}
    assert entry["rows"] == entry["count"] * (after + 1)


def test_unsupported_kind_says_what_is_supported(tmp_path) -> None:
    config = SimulatorConfig(contract="sorting_events", count=50, faults={"counter_reset": 1},
                             image_dir=tmp_path)  # fmt: skip
    with pytest.raises(FaultNotSupportedError) as info:
        Simulation(config)
    assert info.value.kind == "counter_reset"
    assert "stuck" in info.value.supported


def test_too_many_faults_fail_before_any_reading(tmp_path) -> None:
    config = SimulatorConfig(contract="energy_meter", count=20, devices=1, faults={"late": 15},
                             image_dir=tmp_path)  # fmt: skip
    with pytest.raises(FaultCapacityError) as info:
        Simulation(config)
    assert (info.value.kind, info.value.requested) == ("late", 15)


def test_out_of_order_needs_a_rate_that_keeps_it_fresh(tmp_path) -> None:
    config = SimulatorConfig(contract="sorting_events", rate=0.02, count=100,
                             faults={"out_of_order": 1}, image_dir=tmp_path)  # fmt: skip
    with pytest.raises(FaultCapacityError):
        Simulation(config)


def test_faults_spread_over_several_chunks(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("producers.simulator._run.CHUNK_READINGS", 300)
    run = simulate(
        "energy_meter", tmp_path, count=1000, devices=2, faults=all_faults("energy_meter", 3)
    )
    counts = {kind: entry["count"] for kind, entry in run.part["faults"].items()}
    assert set(counts.values()) == {3}
    verdict = judge(run.lines, run.contract)
    assert verdict.rows_with(("max_gap",)) == set()
    assert FaultKind.STUCK.value in counts
