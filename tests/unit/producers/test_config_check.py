"""``check-config``'s findings: mappings against contracts, units, folders, spool, Kafka, lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from producers import EdgeConfigError, parse_config
from producers.cli import app
from producers.configcheck import Finding, check_config
from schemas import load_contract

EXAMPLE = Path(__file__).parents[3] / "infra" / "edge" / "edge.example.yaml"
METER = load_contract("energy_meter")

HEAD = "producer_id: gw-01\nsite: plant-a\nspool: {path: spool.db}\nsources:\n"
MODBUS = """  - name: meter
    kind: modbus
    contract: energy_meter
    host: 127.0.0.1
    devices:
      - device_id: m-1
        registers:
          - {field: active_power, address: 0, type: float32}
          - {field: active_energy, address: 2, type: float32}
          - {field: voltage_l1, address: 4}
          - {field: current_l1, address: 5}
          - {field: power_factor, address: 6, type: int16}
          - {field: frequency, address: 7}
"""


@pytest.fixture(autouse=True)
def kafka_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSAY_EDGE_KAFKA_PASSWORD", "from-the-environment")


def findings(text: str, folder: Path) -> list[Finding]:
    config = parse_config(text, folder / "edge.yaml")
    return check_config(config, text, lambda name: load_contract(name))


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_example_maps_every_required_field_and_passes() -> None:
    text = EXAMPLE.read_text()
    found = findings(text, EXAMPLE.parent)
    assert [f for f in found if f.severity == "error"] == []
    # only what a development machine lacks: the gateway's spool and MES folders
    assert {f.code for f in found} <= {"spool", "folder"}


def test_a_complete_modbus_map_has_no_findings(tmp_path: Path) -> None:
    assert findings(HEAD + MODBUS, tmp_path) == []


def test_an_unknown_field_is_an_error_with_the_closest_name_and_its_line(tmp_path: Path) -> None:
    text = HEAD + MODBUS.replace("field: active_power", "field: activ_power")
    (found,) = [f for f in findings(text, tmp_path) if f.severity == "error"]
    assert found.code == "unknown_field"
    assert found.key == "sources[0].devices[0].registers[0].field"
    assert found.line == line_of(text, "activ_power")
    assert "'active_power'" in found.fix


def test_an_unknown_mqtt_payload_mapping_is_an_error(tmp_path: Path) -> None:
    text = HEAD + (
        "  - {name: m, kind: mqtt, contract: energy_meter, host: h, topics: [t],\n"
        "     fields: {activepower: p_kw}}\n"
    )
    (found,) = findings(text, tmp_path)
    assert (found.code, found.key, found.line) == (
        "unknown_field",
        "sources[0].fields.activepower",
        6,
    )
    assert "active_power" in found.fix


def test_required_fields_a_device_never_fills_are_a_warning(tmp_path: Path) -> None:
    text = HEAD + "\n".join(MODBUS.splitlines()[:-4]) + "\n"  # drops four required registers
    (found,) = findings(text, tmp_path)
    assert (found.severity, found.code, found.key) == (
        "warning",
        "unfilled",
        "sources[0].devices[0]",
    )
    assert found.line == line_of(text, "device_id: m-1")
    assert "active_energy" not in found.problem and "frequency" in found.problem


@pytest.mark.parametrize(("unit", "code"), [("W", None), ("[degF]", "unit"), ("furlongs", "unit")])
def test_units_must_convert_to_the_contract_field(
    tmp_path: Path, unit: str, code: str | None
) -> None:
    text = HEAD + MODBUS.replace("type: float32}", f"type: float32, unit: '{unit}'}}", 1)
    found = findings(text, tmp_path)
    assert [f.code for f in found] == ([code] if code else [])
    if code:
        assert found[0].key == "sources[0].devices[0].registers[0].unit"


def test_a_unit_on_a_field_without_one_is_an_error(tmp_path: Path) -> None:
    text = HEAD + MODBUS.replace("    devices:", "    units: {circuit: W}\n    devices:")
    (found,) = findings(text, tmp_path)
    assert (found.code, found.key) == ("unit", "sources[0].units.circuit")


def test_a_missing_csv_folder_is_a_warning(tmp_path: Path) -> None:
    text = HEAD + "  - {name: c, kind: csv, contract: energy_meter, folder: nowhere}\n"
    (found,) = findings(text, tmp_path)
    assert (found.severity, found.code, found.key) == ("warning", "folder", "sources[0].folder")


def test_kafka_settings_the_client_refuses_are_errors(tmp_path: Path) -> None:
    kafka = "kafka: {bootstrap: 'broker:x', delivery_timeout_ms: 2000}\n"
    found = findings(kafka + HEAD + MODBUS, tmp_path)
    assert [(f.code, f.key, f.line) for f in found if f.severity == "error"] == [
        ("kafka", "kafka.bootstrap", 1),
        ("kafka", "kafka.delivery_timeout_ms", 1),
    ]
    assert any(f.code == "kafka" and f.severity == "warning" for f in found)  # PLAINTEXT


def test_a_parse_error_carries_its_line(tmp_path: Path) -> None:
    text = HEAD + MODBUS.replace("address: 4}", "address: 4, type: uint64}")
    with pytest.raises(EdgeConfigError) as info:
        parse_config(text, tmp_path / "edge.yaml")
    assert info.value.key == "sources[0].devices[0].registers[2].type"
    assert info.value.line == line_of(text, "uint64")


_NAME = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True).filter(
    lambda n: n not in METER.fields
)


@settings(max_examples=40, deadline=None)
@given(name=_NAME, register=st.integers(0, 5))
def test_any_name_outside_the_contract_is_found_at_its_line(name: str, register: int) -> None:
    lines = MODBUS.splitlines()
    row = 7 + register
    field = lines[row].split("field: ")[1].split(",")[0]
    lines[row] = lines[row].replace(f"field: {field},", f"field: {name},")
    text = HEAD + "\n".join(lines) + "\n"
    config = parse_config(text, "/nowhere/edge.yaml")
    found = check_config(config, text, lambda n: load_contract(n))
    errors = [f for f in found if f.code == "unknown_field"]
    assert [(f.key, f.line) for f in errors] == [
        (f"sources[0].devices[0].registers[{register}].field", 4 + row + 1)
    ]
    assert any(f.code == "unfilled" and field in f.problem for f in found)


def test_check_config_json_is_one_document_for_fleet_tooling(tmp_path: Path) -> None:
    config = tmp_path / "edge.yaml"
    config.write_text(HEAD + MODBUS.replace("field: frequency", "field: freq"))
    result = CliRunner().invoke(app, ["check-config", "--json", str(config)])
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    assert doc["sources"][0]["topic"] == "assay.energy_meter.v1"
    assert [f["code"] for f in doc["findings"]] == ["unknown_field", "unfilled"]


def test_check_config_json_reports_a_parse_error_too(tmp_path: Path) -> None:
    config = tmp_path / "edge.yaml"
    config.write_text(HEAD + MODBUS.replace("host: 127.0.0.1", "hots: 127.0.0.1"))
    result = CliRunner().invoke(app, ["check-config", "--json", str(config)])
    assert result.exit_code == 2
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["key"], finding["line"]) == ("sources[0].host", 5)  # missing: its parent's line
    assert "sources[0].hots" in finding["problem"]


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("password: pw, password_file: pw.txt", "sources[0]"),
        ("cert_file: gw.pem", "sources[0]"),
        ("password: '${NOT_SET_ANYWHERE}'", "sources[0].password"),
    ],
)
def test_mqtt_secrets_and_certificates_must_be_complete(
    tmp_path: Path, extra: str, key: str
) -> None:
    text = HEAD + (
        "  - {name: m, kind: mqtt, contract: energy_meter, host: h, topics: [t],\n"
        f"     username: gw, {extra}}}\n"
    )
    with pytest.raises(EdgeConfigError) as info:
        parse_config(text, tmp_path / "edge.yaml")
    assert info.value.key == key
    assert info.value.line == (5 if key == "sources[0]" else 6)  # the source, or its key


def test_an_unreadable_secret_or_certificate_file_is_an_error(tmp_path: Path) -> None:
    text = HEAD + (
        "  - {name: m, kind: mqtt, contract: energy_meter, host: h, topics: [t],\n"
        "     username: gw, password_file: nowhere.txt, ca_file: ca.pem}\n"
    )
    (tmp_path / "ca.pem").write_text("not checked here: the client reads it\n")
    (found,) = findings(text, tmp_path)
    assert (found.code, found.key, found.line) == ("file", "sources[0].password_file", 6)
