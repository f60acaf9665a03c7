"""Contract -> rule list with GB/T 36344-2018 dimensions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from schemas_testkit import contracts, energy, replace

from schemas import (
    ClaimCheckRule,
    ClockSkewRule,
    Contract,
    EarliestRule,
    EventAgeRule,
    FreshnessRule,
    MaxGapRule,
    MonotonicRule,
    NotNullRule,
    QualityDimension,
    RangeRule,
    Rule,
    RuleKind,
    Severity,
    StuckRule,
    TypeRule,
    UniqueRule,
    compile_rules,
    load_contract,
)

DIMENSION_OF = {
    RuleKind.TYPE: QualityDimension.NORMATIVE,
    RuleKind.PATTERN: QualityDimension.NORMATIVE,
    RuleKind.ALLOWED_VALUES: QualityDimension.NORMATIVE,
    RuleKind.NOT_NULL: QualityDimension.COMPLETENESS,
    RuleKind.MAX_GAP: QualityDimension.COMPLETENESS,
    RuleKind.RANGE: QualityDimension.ACCURACY,
    RuleKind.STUCK: QualityDimension.ACCURACY,
    RuleKind.UNIQUE: QualityDimension.CONSISTENCY,
    RuleKind.MONOTONIC: QualityDimension.CONSISTENCY,
    RuleKind.FRESHNESS: QualityDimension.TIMELINESS,
    RuleKind.MAX_AGE: QualityDimension.TIMELINESS,
    RuleKind.FUTURE: QualityDimension.TIMELINESS,
    RuleKind.EARLIEST: QualityDimension.TIMELINESS,
    RuleKind.CLAIM_CHECK: QualityDimension.ACCESSIBILITY,
}


def rules_of(contract: Contract, kind: type[Rule]) -> list[Rule]:
    return [rule for rule in compile_rules(contract) if isinstance(rule, kind)]


def test_every_kind_maps_to_its_dimension() -> None:
    rules = [
        r
        for name in ("energy_meter", "visual_inspection", "process_params")
        for r in compile_rules(load_contract(name))
    ]
    rules += compile_rules(replace(energy(), max_event_age="30d"))
    assert {r.kind for r in rules} == set(RuleKind)
    for rule in rules:
        assert rule.dimension is DIMENSION_OF[rule.kind], rule


def test_shipped_contracts_cover_all_six_dimensions() -> None:
    dimensions = {
        r.dimension
        for n in ("energy_meter", "visual_inspection")
        for r in compile_rules(load_contract(n))
    }
    assert dimensions == set(QualityDimension)


def test_monotonic_counter_with_reset_handling() -> None:
    [rule] = rules_of(energy(), MonotonicRule)
    assert rule == MonotonicRule(
        fields=("active_energy",), per="device_id", order_by="event_time", reset_below=10
    )
    assert (rule.severity, rule.rule_id) == (Severity.ERROR, "monotonic:active_energy")


def test_stream_rules_are_warnings_grouped_per_device() -> None:
    [gap] = rules_of(energy(), MaxGapRule)
    stuck = rules_of(energy(), StuckRule)
    assert (gap.field, gap.per, gap.max_gap_seconds, gap.severity) == (
        "active_power",
        "device_id",
        30.0,
        Severity.WARNING,
    )
    assert {(r.field, r.count) for r in stuck} == {("active_power", 120), ("voltage_l1", 600)}


def test_contract_freshness_measures_event_time_against_ingest_time() -> None:
    [rule] = rules_of(energy(), FreshnessRule)
    assert (rule.field, rule.reference, rule.max_lag_seconds) == ("event_time", "ingest_time", 300)


def test_event_time_is_held_against_ingest_time_and_a_floor() -> None:
    rules = {r.kind: r for r in compile_rules(replace(energy(), max_event_age="30d"))}
    assert rules[RuleKind.MAX_AGE] == EventAgeRule(
        fields=("event_time",), reference="ingest_time", max_age_seconds=30 * 86400
    )
    assert rules[RuleKind.FUTURE] == ClockSkewRule(
        fields=("event_time",), reference="ingest_time", tolerance_seconds=60
    )
    assert rules[RuleKind.EARLIEST] == EarliestRule(
        fields=("event_time",), earliest="2000-01-01T00:00:00Z"
    )
    assert all(rules[k].severity is Severity.ERROR for k in ("max_age", "future", "earliest"))
    skewed = compile_rules(replace(energy(), max_clock_skew="5min"))
    assert [r.tolerance_seconds for r in skewed if isinstance(r, ClockSkewRule)] == [300]
    assert not [r for r in compile_rules(energy()) if isinstance(r, EventAgeRule)]


def test_ordering_dedups_and_key_is_unique() -> None:
    unique = rules_of(energy(), UniqueRule)
    assert UniqueRule(fields=("producer_id", "seq"), drop_duplicates=True) in unique
    assert UniqueRule(fields=("device_id", "event_time")) in unique


def test_range_rule_carries_bounds_and_unit() -> None:
    ranges = {r.field: r for r in rules_of(energy(), RangeRule)}
    assert ranges["power_factor"] == RangeRule(fields=("power_factor",), min=-1, max=1, unit="1")


def test_nullable_fields_get_no_not_null_rule() -> None:
    not_null = {r.field for r in rules_of(energy(), NotNullRule)}
    assert "voltage_l1" in not_null and "voltage_l2" not in not_null


def test_claim_check_rule_for_images() -> None:
    [rule] = rules_of(load_contract("visual_inspection"), ClaimCheckRule)
    assert rule.field == "image" and "s3" in rule.uri_schemes


def test_type_rules_carry_timestamp_precision() -> None:
    types = {r.field: r for r in rules_of(energy(), TypeRule)}
    assert types["event_time"].precision == "ms" and types["active_power"].precision is None


def test_rules_are_frozen() -> None:
    rule = compile_rules(energy())[0]
    with pytest.raises(AttributeError):
        rule.severity = Severity.WARNING  # type: ignore[misc]


@settings(max_examples=60, deadline=None)
@given(contracts())
def test_rule_ids_are_unique_and_rules_name_real_fields(contract: Contract) -> None:
    rules = compile_rules(contract)
    ids = [r.rule_id for r in rules]
    assert len(ids) == len(set(ids))
    from schemas import all_fields

    names = set(all_fields(contract))
    for rule in rules:
        assert set(rule.fields) <= names
        assert rule.dimension is DIMENSION_OF[rule.kind]
