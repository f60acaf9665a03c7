"""Lifecycle rules: replaced versions only, one rule per contract version, whole days."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.govern.retention import lifecycle_days, lifecycle_rules
from schemas import Contract, Retention, load_contract


def test_a_rule_per_contract_version_for_replaced_versions_only() -> None:
    energy, params = load_contract("energy_meter"), load_contract("process_params")
    rules = lifecycle_rules([energy, params], "raw")
    assert [r.rule_filter.prefix for r in rules] == ["energy_meter/v1/", "process_params/v1/"]
    assert len({r.rule_id for r in rules}) == 2
    for rule in rules:
        assert rule.expiration.days is None and rule.expiration.date is None  # never current
        assert rule.expiration.expired_object_delete_marker is True


@settings(deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.sampled_from(["s", "min", "h", "d"]))
def test_days_never_fall_short_of_the_contract(amount: int, unit: str) -> None:
    contract: Contract = load_contract("energy_meter").model_copy(
        update={"retention": Retention(kafka="1h", raw=f"{amount}{unit}", curated="3650d")}
    )
    seconds = amount * {"s": 1, "min": 60, "h": 3600, "d": 86400}[unit]
    for role in ("raw", "deadletter", "quarantine"):
        days = lifecycle_days(contract, role)
        assert days * 86400 >= seconds  # a rule never removes earlier than the contract says
        assert days == 1 or (days - 1) * 86400 < seconds  # and at most a day later
    assert lifecycle_days(contract, "curated") == 3650
