"""Contracts as ODCS v3.1.0 documents: valid to the standard's own schema, and back unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import open_data_contract_standard
import pytest
import yaml
from open_data_contract_standard.model import OpenDataContractStandard
from typer.testing import CliRunner

from assay.cli.contracts import app
from schemas import (
    ODCS_DIMENSIONS,
    Contract,
    ContractError,
    QualityDimension,
    from_odcs,
    load_contracts,
    odcs_to_contract_yaml,
    to_odcs,
)

SCHEMA = json.loads(
    (Path(open_data_contract_standard.__file__).parent / "schema.json").read_text("utf-8")
)
CONTRACTS = load_contracts()


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_every_contract_is_a_valid_odcs_3_1_document(contract: Contract) -> None:
    doc = json.loads(json.dumps(to_odcs(contract)))
    assert doc["apiVersion"] == "v3.1.0"
    errors = [e.message for e in jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc)]
    assert errors == []
    OpenDataContractStandard.model_validate(doc)


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_a_contract_survives_the_round_trip(contract: Contract) -> None:
    assert Contract.model_validate(from_odcs(to_odcs(contract))) == contract


def test_keys_classification_and_ranges_land_in_native_odcs_places() -> None:
    contract = next(c for c in CONTRACTS if c.name == "energy_meter")
    props = {p["name"]: p for p in to_odcs(contract)["schema"][0]["properties"]}
    keys = sorted((p["primaryKeyPosition"], n) for n, p in props.items() if p.get("primaryKey"))
    assert tuple(n for _, n in keys) == contract.key
    power = props["active_power"]
    assert power["classification"] == contract.fields["active_power"].classification.value
    assert power["logicalTypeOptions"] == {"minimum": -5000, "maximum": 5000}
    assert any(q.get("metric") == "nullValues" and q["mustBe"] == 0 for q in power["quality"])
    dims = {q["customProperties"][0]["value"]: q.get("dimension") for q in power["quality"]}
    assert dims["accuracy"] == "accuracy"


def test_every_quality_dimension_has_a_mapping() -> None:
    assert set(ODCS_DIMENSIONS) == {d.value for d in QualityDimension}


def test_a_foreign_document_imports_and_lint_names_what_it_lacks(tmp_path: Path) -> None:
    foreign = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": "meters",
        "name": "meters",
        "version": "1.0.0",
        "schema": [
            {
                "name": "meters",
                "properties": [
                    {"name": "power", "logicalType": "number", "required": True},
                    {"name": "tag", "logicalType": "string", "description": "meter tag"},
                ],
            }
        ],
    }
    name, text = odcs_to_contract_yaml(yaml.safe_dump(foreign))
    assert name == "meters"
    fields = yaml.safe_load(text)["fields"]
    assert fields["power"]["type"] == "float64"
    assert fields["tag"] == {
        "type": "string",
        "nullable": True,
        "description": {"zh": "meter tag", "en": "meter tag"},
    }
    source = tmp_path / "in.yaml"
    source.write_text(yaml.safe_dump(foreign), "utf-8")
    result = CliRunner().invoke(app, ["import", str(source), "-o", str(tmp_path / "meters.yaml")])
    assert result.exit_code == 1
    assert "classification" in result.output


def test_something_that_is_not_odcs_is_refused() -> None:
    with pytest.raises(ContractError):
        odcs_to_contract_yaml("- a list\n")
    with pytest.raises(ContractError):
        odcs_to_contract_yaml("kind: [unclosed")


def test_export_then_import_through_the_command(tmp_path: Path) -> None:
    exported = tmp_path / "energy_meter.odcs.yaml"
    runner = CliRunner()
    assert runner.invoke(app, ["export", "energy_meter", "-o", str(exported)]).exit_code == 0
    back = tmp_path / "energy_meter.yaml"
    result = runner.invoke(app, ["import", str(exported), "-o", str(back)])
    assert result.exit_code == 0, result.output
    original = next(c for c in CONTRACTS if c.name == "energy_meter")
    assert Contract.model_validate(yaml.safe_load(back.read_text("utf-8"))) == original
