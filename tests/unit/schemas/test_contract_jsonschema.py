"""Contract -> JSON Schema for one reading, and its agreement with the Arrow side."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from typing import Any

import jsonschema
import pyarrow as pa
import pyarrow.json as pa_json
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemas_testkit import SHA, contracts, energy, example_reading, readings, replace

from schemas import Contract, all_fields, load_contract, to_arrow_schema, to_json_schema

SHIPPED = [
    "energy_meter",
    "machine_condition",
    "process_params",
    "sorting_events",
    "visual_inspection",
]


def validator(contract: Contract) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(to_json_schema(contract))


def is_valid(contract: Contract, reading: dict[str, Any]) -> bool:
    return validator(contract).is_valid(reading)


@pytest.mark.parametrize("name", SHIPPED)
def test_generated_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = to_json_schema(load_contract(name))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", SHIPPED)
def test_example_reading_is_accepted(name: str) -> None:
    contract = load_contract(name)
    assert is_valid(contract, example_reading(contract))


def _mutated(reading: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**reading, **changes}


ENERGY_MUTATIONS = {
    "wrong type": {"active_power": "12.5"},
    "integer as string": {"seq": "7"},
    "bool for number": {"frequency": True},
    "above max": {"power_factor": 1.5},
    "below min": {"active_energy": -0.1},
    "bad pattern": {"site": "Shenzhen Plant"},
    "extra field": {"reactive_power": 3.0},
    "null in a required field": {"voltage_l1": None},
    "timestamp with offset": {"event_time": "2025-03-01T08:00:00+08:00"},
    "timestamp with ns digits": {"event_time": "2025-03-01T08:00:00.123456789Z"},
    "timestamp as epoch number": {"event_time": 1740816000000},
    "month 13": {"event_time": "2025-13-01T08:00:00Z"},
}


@pytest.mark.parametrize("mutation", ENERGY_MUTATIONS.values(), ids=ENERGY_MUTATIONS.keys())
def test_energy_reading_mutations_are_rejected(mutation: dict[str, Any]) -> None:
    contract = energy()
    assert not is_valid(contract, _mutated(example_reading(contract), **mutation))


@pytest.mark.parametrize("missing", ["producer_id", "seq", "event_time", "active_energy"])
def test_missing_required_field_is_rejected(missing: str) -> None:
    reading = example_reading(energy())
    del reading[missing]
    assert not is_valid(energy(), reading)


def test_nullable_field_may_be_null_or_absent() -> None:
    reading = example_reading(energy())
    assert is_valid(energy(), _mutated(reading, voltage_l2=None))
    del reading["voltage_l2"]
    assert is_valid(energy(), reading)


def test_enum_and_claim_check_mutations_are_rejected() -> None:
    contract = load_contract("visual_inspection")
    good = example_reading(contract)
    bad = [
        {"verdict": "maybe"},
        {"image": {"uri": "s3://images/a.jpg"}},
        {"image": {"uri": "s3://images/a.jpg", "sha256": "XYZ"}},
        {"image": {"uri": "images/a.jpg", "sha256": SHA}},
        {"image": {"uri": "s3://images/a.jpg", "sha256": SHA, "bytes": b"x".hex()}},
        {"defect_boxes": [0.1, 1.2]},
        {"defect_boxes": "0.1,0.2"},
    ]
    assert is_valid(contract, good)
    for mutation in bad:
        assert not is_valid(contract, _mutated(good, **mutation)), mutation


def test_int64_bounds_are_enforced_without_a_declared_range() -> None:
    reading = example_reading(energy())
    assert is_valid(energy(), _mutated(reading, seq=2**63 - 1))
    assert not is_valid(energy(), _mutated(reading, seq=2**63))


def test_units_and_classification_are_annotated() -> None:
    prop = to_json_schema(energy())["properties"]["active_energy"]
    assert (prop["x-unit"], prop["x-classification"]) == ("kW.h", "L2")


def _read_with_arrow(contract: Contract, reading: dict[str, Any]) -> pa.Table:
    options = pa_json.ParseOptions(
        explicit_schema=to_arrow_schema(contract), unexpected_field_behavior="error"
    )
    return pa_json.read_json(io.BytesIO(json.dumps(reading).encode()), parse_options=options)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_json_reading_decodes_to_the_arrow_schema(name: str) -> None:
    contract = load_contract(name)
    schema = to_arrow_schema(contract)
    table = _read_with_arrow(contract, example_reading(contract)).cast(schema)
    assert table.schema.equals(schema, check_metadata=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHIPPED).flatmap(lambda n: readings(load_contract(n)).map(lambda r: (n, r))))
def test_generated_readings_pass_the_json_schema_and_decode_to_arrow(case: tuple[str, Any]) -> None:
    name, reading = case
    contract = load_contract(name)
    assert is_valid(contract, reading)
    table = _read_with_arrow(contract, reading).cast(to_arrow_schema(contract))
    assert table.num_rows == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contracts().flatmap(lambda c: readings(c).map(lambda r: (c, r))))
def test_any_contracts_readings_agree_between_json_schema_and_arrow(case: Any) -> None:
    contract, reading = case
    jsonschema.Draft202012Validator.check_schema(to_json_schema(contract))
    assert is_valid(contract, reading)
    assert pa.Table.from_pylist([_to_python(contract, reading)], schema=to_arrow_schema(contract))


def _to_python(contract: Contract, reading: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON timestamps/dates the way the landing decoder does."""
    decoders = {"timestamp": datetime.fromisoformat, "date": date.fromisoformat}
    fields = all_fields(contract)
    return {
        name: decoders[fields[name].type](value)
        if value is not None and fields[name].type in decoders
        else value
        for name, value in reading.items()
    }


def test_a_contract_may_spell_time_and_unknown_fields_its_own_way() -> None:
    plain = energy()
    reading = example_reading(plain)
    epoch = replace(plain, event_time_encoding="epoch_ms")
    local = replace(plain, timezone="Asia/Shanghai")
    lenient = replace(plain, unknown_fields="drop")
    assert is_valid(epoch, _mutated(reading, event_time=1740816000000))
    assert not is_valid(epoch, reading)
    naive = _mutated(reading, event_time="2025-03-01T08:00:00.125")
    assert is_valid(local, naive) and not is_valid(plain, naive)
    extra = _mutated(reading, firmware="2.1")
    assert is_valid(lenient, extra) and not is_valid(plain, extra)


@pytest.mark.parametrize("name", SHIPPED)
def test_the_accepted_form_takes_what_the_pipeline_fills_or_converts(name: str) -> None:
    """A third-party producer may leave ingest_time to the pipeline and send local offsets;
    the strict form (assay's edge) requires ingest_time and ``Z``."""
    contract = load_contract(name)
    reading = example_reading(contract)
    del reading["ingest_time"]
    reading[contract.event_time] = "2026-11-27T18:00:00.125+08:00"
    accepted = jsonschema.Draft202012Validator(to_json_schema(contract, "accepted"))
    jsonschema.Draft202012Validator.check_schema(accepted.schema)
    assert accepted.is_valid(reading)
    assert not is_valid(contract, reading)
    assert not accepted.is_valid({**reading, contract.event_time: "2026-11-27T18:00:00+24:00"})
