"""The simulator's ground truth against the running pipeline: each injected fault caught."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assay.config import Settings
from assay.devstack import airflow_client, demo

pytestmark = pytest.mark.integration

CONTRACTS = ("energy_meter", "machine_condition")


def test_quarantine_counts_per_rule_equal_injected_counts(
    stack_settings: Settings, tmp_path
) -> None:
    now = datetime.now(UTC)
    producer = f"{demo.run_id(now)}-it"
    truths = {
        n: demo.simulate(n, producer, tmp_path, stack_settings, now)["contracts"][n]
        for n in CONTRACTS
    }
    for name in CONTRACTS:  # do not wait for the watcher's next wake-up
        airflow_client.trigger(stack_settings, f"assay_ingest_{name}")
    outcomes = [
        demo.Outcome(n, truths[n]["expected"], demo.expected_quarantine(truths[n]))
        for n in CONTRACTS
    ]
    assert demo.wait(stack_settings, outcomes, producer, timeout=600, tick=lambda _: None)

    for outcome in outcomes:
        truth = truths[outcome.contract]
        assert outcome.quarantine_by_rule == outcome.quarantine_expected, outcome.contract
        assert outcome.dead_lettered == truth["expected"]["dead_lettered"], outcome.contract
        assert outcome.curated == truth["expected"]["curated"], outcome.contract
        dropped = truth["messages"] - outcome.curated - outcome.quarantined - outcome.dead_lettered
        assert dropped == truth["expected"]["duplicates_dropped"], outcome.contract
        assert truth["faults"]["out_of_range"]["count"] > 0  # the run really injected faults
