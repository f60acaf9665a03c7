"""One reading against its contract's row rules: what ``probe`` says a sample would fail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from producers._judge import judge
from schemas import load_contract

from .conftest import meter_values

METER = load_contract("energy_meter")
NOW = datetime(2025, 3, 1, 8, tzinfo=UTC)


def row(**values: Any) -> dict[str, Any]:
    envelope = {"producer_id": "gw", "seq": 0, "site": "plant-a", "device_id": "m-1"}
    return envelope | {"event_time": NOW, "ingest_time": NOW} | meter_values() | values


def failed(**values: Any) -> set[str]:
    return {v.rule for v in judge(METER, row(**values))}


def test_a_plausible_reading_passes() -> None:
    assert failed() == set()


def test_row_rules_are_judged() -> None:
    assert failed(active_power=9000.0) == {"range:active_power"}
    assert failed(frequency=None) == {"not_null:frequency"}
    assert failed(voltage_l1="high") == {"type:voltage_l1"}
    assert failed(active_energy=True) == {"type:active_energy"}
    assert failed(event_time=NOW + timedelta(hours=1)) == {"future:event_time"}
    assert failed(event_time=datetime(1970, 1, 1, tzinfo=UTC)) >= {"earliest:event_time"}


_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)


@given(values=st.dictionaries(st.sampled_from(list(METER.fields)), _VALUE))
def test_any_values_are_judged_without_raising(values: dict[str, Any]) -> None:
    for verdict in judge(METER, row(**values)):
        assert verdict.rule.split(":")[1] in values or verdict.rule.startswith("not_null")
