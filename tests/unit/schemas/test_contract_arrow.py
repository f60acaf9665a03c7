"""Contract -> Arrow schema."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from hypothesis import given, settings
from schemas_testkit import contracts, energy

from schemas import (
    CLAIM_CHECK_TYPE,
    ENVELOPE,
    Contract,
    all_fields,
    load_contract,
    to_arrow_schema,
    topic_name,
)


def test_energy_meter_types_and_nullability() -> None:
    schema = to_arrow_schema(energy())
    assert schema.field("active_energy").type == pa.float64()
    assert not schema.field("active_energy").nullable
    assert schema.field("voltage_l2").nullable
    assert schema.field("seq").type == pa.int64()
    assert schema.field("event_time").type == pa.timestamp("ms", tz="UTC")


def test_field_metadata_carries_unit_classification_and_description() -> None:
    metadata = to_arrow_schema(energy()).field("active_energy").metadata
    assert metadata[b"unit"] == b"kW.h"
    assert metadata[b"classification"] == b"L2"
    assert metadata[b"personal"] == b"false"
    assert metadata[b"description.zh"].decode().startswith("正向有功电能")
    assert metadata[b"description.en"].startswith(b"Imported active energy")


def test_personal_field_metadata_carries_masking() -> None:
    metadata = to_arrow_schema(load_contract("process_params")).field("operator_id").metadata
    assert (metadata[b"personal"], metadata[b"masking"]) == (b"true", b"pseudonymise")


def test_enum_is_a_string_with_its_values_in_metadata() -> None:
    field = to_arrow_schema(load_contract("visual_inspection")).field("verdict")
    assert field.type == pa.string()
    assert json.loads(field.metadata[b"values"]) == ["pass", "fail", "review"]


def test_claim_check_and_list_types() -> None:
    schema = to_arrow_schema(load_contract("visual_inspection"))
    assert schema.field("image").type == CLAIM_CHECK_TYPE
    assert schema.field("defect_boxes").type == pa.list_(pa.field("item", pa.float64(), False))


def test_schema_metadata_names_the_contract() -> None:
    contract = energy()
    metadata = to_arrow_schema(contract).metadata
    assert metadata[b"contract"] == b"energy_meter"
    assert metadata[b"contract.version"] == b"1.0.0"
    assert metadata[b"contract.topic"] == topic_name(contract).encode()
    assert json.loads(metadata[b"key"]) == ["device_id", "event_time"]


def test_topic_name_uses_the_major_version() -> None:
    assert topic_name(energy()) == "assay.energy_meter.v1"
    v2 = energy().model_copy(update={"version": "2.3.1"})
    assert topic_name(v2) == "assay.energy_meter.v2"


@pytest.mark.parametrize(
    "name",
    ["energy_meter", "machine_condition", "process_params", "sorting_events", "visual_inspection"],
)
def test_every_shipped_contract_compiles_to_an_empty_table(name: str) -> None:
    schema = to_arrow_schema(load_contract(name))
    table = schema.empty_table()
    assert table.schema.equals(schema, check_metadata=True)


@settings(max_examples=60, deadline=None)
@given(contracts())
def test_compiled_schema_mirrors_the_contract(contract: Contract) -> None:
    schema = to_arrow_schema(contract)
    fields = all_fields(contract)
    assert schema.names == list(fields)
    assert schema.names[: len(ENVELOPE)] == list(ENVELOPE)
    for name, spec in fields.items():
        arrow_field = schema.field(name)
        assert arrow_field.nullable == spec.nullable
        assert arrow_field.metadata[b"classification"] == str(spec.classification).encode()
        if spec.unit is not None:
            assert arrow_field.metadata[b"unit"] == spec.unit.encode()


@settings(max_examples=60, deadline=None)
@given(contracts())
def test_timestamps_are_utc_ms_or_us_never_ns(contract: Contract) -> None:
    for field in to_arrow_schema(contract):
        if pa.types.is_timestamp(field.type):
            assert field.type.unit in ("ms", "us")
            assert field.type.tz == "UTC"
