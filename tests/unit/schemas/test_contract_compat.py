"""Diffing two contract versions and checking the version bump."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from schemas_testkit import changed_field, contracts, energy, replace, spec, with_field

from schemas import (
    Bump,
    ChangeClass,
    ChangeKind,
    Contract,
    check_version_bump,
    diff_contracts,
    load_contract,
    required_bump,
)

C, K = ChangeClass, ChangeKind
Mutation = Callable[[Contract], Contract]
TS_MS = spec(type="timestamp", unit=None, min=None, max=None, precision="ms")

# (what the new version does, expected kind, expected class)
MATRIX: dict[str, tuple[Mutation, ChangeKind, ChangeClass]] = {
    "add nullable field": (
        lambda c: with_field(c, "thd", spec(nullable=True)),
        K.FIELD_ADDED,
        C.COMPATIBLE,
    ),
    "add required field": (lambda c: with_field(c, "thd", spec()), K.FIELD_ADDED, C.BREAKING),
    "remove field": (lambda c: with_field(c, "frequency", None), K.FIELD_REMOVED, C.BREAKING),
    "rename field": (
        lambda c: with_field(
            with_field(c, "frequency", None), "grid_frequency", c.fields["frequency"]
        ),
        K.FIELD_RENAMED,
        C.BREAKING,
    ),
    "narrow float to int": (
        lambda c: changed_field(c, "frequency", type="int64"),
        K.TYPE_CHANGED,
        C.BREAKING,
    ),
    "widen enum to string": (
        lambda c: changed_field(c, "verdict", type="string", values=None),
        K.TYPE_WIDENED,
        C.COMPATIBLE,
    ),
    "timestamp precision": (
        lambda c: changed_field(with_field(c, "t", TS_MS), "t", precision="us"),
        K.TYPE_CHANGED,
        C.BREAKING,
    ),
    "tighten max": (
        lambda c: changed_field(c, "voltage_l1", max=300),
        K.RANGE_TIGHTENED,
        C.BREAKING,
    ),
    "tighten min": (
        lambda c: changed_field(c, "voltage_l1", min=100),
        K.RANGE_TIGHTENED,
        C.BREAKING,
    ),
    "drop a bound": (
        lambda c: changed_field(c, "active_energy", max=None),
        K.RANGE_WIDENED,
        C.COMPATIBLE,
    ),
    "add a bound": (
        lambda c: changed_field(c, "active_energy", max=1e9),
        K.RANGE_TIGHTENED,
        C.BREAKING,
    ),
    "widen range": (
        lambda c: changed_field(c, "voltage_l1", max=1000),
        K.RANGE_WIDENED,
        C.COMPATIBLE,
    ),
    "make required": (
        lambda c: changed_field(c, "voltage_l2", nullable=False),
        K.NULLABLE_TIGHTENED,
        C.BREAKING,
    ),
    "make nullable": (
        lambda c: changed_field(c, "voltage_l1", nullable=True),
        K.NULLABLE_RELAXED,
        C.COMPATIBLE,
    ),
    "change unit": (
        lambda c: changed_field(c, "active_power", unit="W"),
        K.UNIT_CHANGED,
        C.BREAKING,
    ),
    "respell unit": (
        lambda c: changed_field(c, "active_energy", unit="kWh"),
        K.UNIT_RESPELLED,
        C.DOCS,
    ),
    "add pattern": (
        lambda c: changed_field(c, "circuit", pattern="^F[0-9]+$"),
        K.PATTERN_CHANGED,
        C.BREAKING,
    ),
    "drop pattern": (
        lambda c: changed_field(c, "circuit", pattern=None),
        K.PATTERN_RELAXED,
        C.COMPATIBLE,
    ),
    "raise classification": (
        lambda c: changed_field(c, "frequency", classification="L3", masking="drop"),
        K.CLASSIFICATION_RAISED,
        C.BREAKING,
    ),
    "lower classification": (
        lambda c: changed_field(c, "active_power", classification="L1"),
        K.CLASSIFICATION_LOWERED,
        C.COMPATIBLE,
    ),
    "add monotonic rule": (
        lambda c: changed_field(c, "frequency", monotonic_per="device_id"),
        K.RULE_TIGHTENED,
        C.BREAKING,
    ),
    "shorter max gap": (
        lambda c: changed_field(c, "active_power", max_gap="10s"),
        K.RULE_TIGHTENED,
        C.BREAKING,
    ),
    "longer max gap": (
        lambda c: changed_field(c, "active_power", max_gap="1min"),
        K.RULE_RELAXED,
        C.COMPATIBLE,
    ),
    "stuck after fewer": (
        lambda c: changed_field(c, "active_power", stuck_after=5),
        K.RULE_TIGHTENED,
        C.BREAKING,
    ),
    "drop stuck rule": (
        lambda c: changed_field(c, "active_power", stuck_after=None),
        K.RULE_RELAXED,
        C.COMPATIBLE,
    ),
    "tighter freshness": (lambda c: replace(c, freshness="1min"), K.RULE_TIGHTENED, C.BREAKING),
    "declare max event age": (
        lambda c: replace(c, max_event_age="30d"),
        K.RULE_TIGHTENED,
        C.BREAKING,
    ),
    "longer max event age": (
        lambda c: replace(c, max_event_age="90d"),
        K.RULE_RELAXED,
        C.COMPATIBLE,
    ),
    "tighter clock skew": (
        lambda c: replace(c, max_clock_skew="10s"),
        K.RULE_TIGHTENED,
        C.BREAKING,
    ),
    "looser clock skew": (
        lambda c: replace(c, max_clock_skew="5min"),
        K.RULE_RELAXED,
        C.COMPATIBLE,
    ),
    "signatures required": (
        lambda c: replace(c, identity="signed"),
        K.RULE_TIGHTENED,
        C.BREAKING,
    ),
    "lower seq jump bound": (
        lambda c: replace(c, max_seq_jump=1000),
        K.RULE_TIGHTENED,
        C.BREAKING,
    ),
    "clock skew default written out": (
        lambda c: replace(c, max_clock_skew="1min"),
        K.METADATA_CHANGED,
        C.DOCS,
    ),
    "new description": (
        lambda c: changed_field(c, "frequency", description={"zh": "频率", "en": "Frequency"}),
        K.DESCRIPTION_CHANGED,
        C.DOCS,
    ),
    "new owner": (lambda c: replace(c, owner="energy-office"), K.METADATA_CHANGED, C.DOCS),
    "quality threshold": (
        lambda c: replace(c, quality_threshold=0.99),
        K.METADATA_CHANGED,
        C.DOCS,
    ),
    "change key": (lambda c: replace(c, key=["device_id", "seq"]), K.LAYOUT_CHANGED, C.BREAKING),
    "more partitions": (lambda c: replace(c, partitions=12), K.LAYOUT_CHANGED, C.BREAKING),
    "drop unknown fields": (
        lambda c: replace(c, unknown_fields="drop"),
        K.DECODING_CHANGED,
        C.BREAKING,
    ),
    "epoch event time": (
        lambda c: replace(c, event_time_encoding="epoch_ms"),
        K.DECODING_CHANGED,
        C.BREAKING,
    ),
    "source timezone": (
        lambda c: replace(c, timezone="Asia/Shanghai"),
        K.DECODING_CHANGED,
        C.BREAKING,
    ),
    "raise security": (lambda c: replace(c, security_level="core"), K.SECURITY_RAISED, C.BREAKING),
    "rename dataset": (lambda c: replace(c, name="power_meter"), K.NAME_CHANGED, C.BREAKING),
    "reorder fields": (
        lambda c: replace(c, fields=dict(reversed(list(c.fields.items())))),
        K.FIELD_REORDERED,
        C.DOCS,
    ),
}


def _base_for(label: str) -> Contract:
    if label == "widen enum to string":
        return load_contract("visual_inspection")
    if label == "timestamp precision":
        return with_field(energy(), "t", TS_MS)
    if label == "add a bound":
        return changed_field(energy(), "active_energy", max=None)
    if label == "longer max event age":
        return replace(energy(), max_event_age="30d")
    return energy()


@pytest.mark.parametrize("label", MATRIX)
def test_diff_matrix(label: str) -> None:
    mutate, kind, cls = MATRIX[label]
    old = _base_for(label)
    changes = diff_contracts(old, mutate(old))
    assert [(c.kind, c.change_class) for c in changes if c.kind == kind] == [(kind, cls)]
    assert all(change.reason for change in changes)


def test_every_change_kind_is_covered_by_the_matrix() -> None:
    covered = {kind for _, kind, _ in MATRIX.values()}
    assert set(ChangeKind) - covered <= {
        K.SECURITY_LOWERED,
        K.VALUES_ADDED,
        K.VALUES_REMOVED,
        K.MASKING_CHANGED,
    }


def test_enum_values_added_and_removed() -> None:
    old = load_contract("visual_inspection")
    values = old.fields["verdict"].values or ()
    added = diff_contracts(old, changed_field(old, "verdict", values=[*values, "rework"]))
    removed = diff_contracts(old, changed_field(old, "verdict", values=values[:2]))
    assert [(c.kind, c.change_class) for c in added] == [(K.VALUES_ADDED, C.COMPATIBLE)]
    assert [(c.kind, c.change_class) for c in removed] == [(K.VALUES_REMOVED, C.BREAKING)]


def test_masking_to_drop_is_breaking_and_lowering_security_is_compatible() -> None:
    params = load_contract("process_params")
    dropped = diff_contracts(params, changed_field(params, "operator_id", masking="drop"))
    lowered = diff_contracts(
        params, replace(params, security_level="important", fields={**params.fields})
    )
    assert [(c.kind, c.change_class) for c in dropped] == [(K.MASKING_CHANGED, C.BREAKING)]
    assert (K.SECURITY_LOWERED, C.COMPATIBLE) in [(c.kind, c.change_class) for c in lowered]


def test_change_records_path_field_and_values() -> None:
    [change] = diff_contracts(energy(), changed_field(energy(), "voltage_l1", max=300))
    assert (change.path, change.field, change.old, change.new) == (
        "fields.voltage_l1.max",
        "voltage_l1",
        500,
        300,
    )


@pytest.mark.parametrize(
    ("label", "version", "ok", "required"),
    [
        ("add nullable field", "1.1.0", True, Bump.MINOR),
        ("add nullable field", "1.0.1", False, Bump.MINOR),
        ("remove field", "1.1.0", False, Bump.MAJOR),
        ("remove field", "2.0.0", True, Bump.MAJOR),
        ("new description", "1.0.1", True, Bump.PATCH),
        ("new description", "1.0.0", False, Bump.PATCH),
        ("widen range", "2.0.0", True, Bump.MINOR),
    ],
)
def test_version_bump_must_cover_the_changes(
    label: str, version: str, ok: bool, required: Bump
) -> None:
    mutate = MATRIX[label][0]
    old = energy()
    new = replace(mutate(old), version=version)
    check = check_version_bump(old, new)
    assert (check.ok, check.required) == (ok, required)
    assert check.reason


def test_breaking_change_reason_names_the_next_major() -> None:
    new = replace(with_field(energy(), "frequency", None), version="1.1.0")
    check = check_version_bump(energy(), new)
    assert (check.ok, check.actual) == (False, Bump.MINOR)
    assert "2.0.0" in check.reason


def test_version_going_backwards_fails() -> None:
    old = replace(energy(), version="1.2.0")
    check = check_version_bump(old, replace(old, version="1.1.9"))
    assert not check.ok


def test_identical_contracts_need_no_bump() -> None:
    check = check_version_bump(energy(), energy())
    assert (check.ok, check.required, check.actual, check.changes) == (
        True,
        Bump.NONE,
        Bump.NONE,
        (),
    )


@settings(max_examples=50, deadline=None)
@given(contracts())
def test_a_contract_does_not_differ_from_itself(contract: Contract) -> None:
    assert diff_contracts(contract, contract) == []
    assert required_bump([]) is Bump.NONE


@settings(max_examples=50, deadline=None)
@given(contracts())
def test_adding_a_nullable_field_is_always_a_minor_change(contract: Contract) -> None:
    new = with_field(contract, "zz_added_field", spec(nullable=True))
    assert required_bump(diff_contracts(contract, new)) is Bump.MINOR


@settings(max_examples=50, deadline=None)
@given(contracts())
def test_removing_any_field_is_always_breaking(contract: Contract) -> None:
    first = next(iter(contract.fields))
    if len(contract.fields) > 1:
        new = with_field(contract, first, None)
        assert required_bump(diff_contracts(contract, new)) is Bump.MAJOR
