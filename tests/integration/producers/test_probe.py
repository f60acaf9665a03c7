"""``assay-edge probe`` against the real simulators the edge tests use; no Kafka involved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from producers.cli import app

from . import test_modbus_to_kafka, test_mqtt_to_kafka, test_opcua_to_kafka
from .test_opcua_to_kafka import OpcServer

# the servers the run tests use, as fixtures here too
modbus_server = test_modbus_to_kafka.modbus_server
mosquitto = test_mqtt_to_kafka.mosquitto
opc_server = test_opcua_to_kafka.opc_server

pytestmark = pytest.mark.integration

HEAD = "producer_id: gw-probe\nsite: plant-a\nspool: {path: spool.db}\nsources:\n"


def probe(tmp_path: Path, sources: str, *args: str) -> tuple[int, dict]:
    config = tmp_path / "edge.yaml"
    config.write_text(HEAD + sources)
    result = CliRunner().invoke(app, ["probe", "--json", "--timeout", "20", *args, str(config)])
    return result.exit_code, json.loads(result.stdout)


def samples(doc: dict) -> dict[str, dict]:
    return {s["source"]: s for s in doc["samples"]}


def test_one_modbus_read_with_units_converted_and_failing_rules(
    tmp_path: Path, modbus_server: int
) -> None:
    source = (
        f"  - name: meter\n    kind: modbus\n    contract: energy_meter\n"
        f"    host: 127.0.0.1\n    port: {modbus_server}\n    devices:\n"
        "      - device_id: meter-07\n        registers:\n"
        "          - {field: active_power, address: 0, type: float32, unit: W}\n"
        "          - {field: voltage_l1, address: 2, scale: 0.1}\n"
    )
    code, doc = probe(tmp_path, source)
    assert code == 0
    sample = samples(doc)["meter"]
    assert sample["row"]["device_id"] == "meter-07"
    assert sample["row"]["active_power"] == pytest.approx(0.0125)  # 12.5 W in the kW field
    assert sample["converted"] == [{"field": "active_power", "from": "W", "to": "kW"}]
    assert sample["row"]["voltage_l1"] == pytest.approx(230.1)
    failed = {f["rule"] for f in sample["failed"]}
    assert failed == {
        "not_null:active_energy",
        "not_null:current_l1",
        "not_null:power_factor",
        "not_null:frequency",
    }


def test_one_mqtt_message(tmp_path: Path, mosquitto: int) -> None:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="probe-publisher")
    client.connect("127.0.0.1", mosquitto)
    client.loop_start()
    payload = {"ts": "2025-03-01T08:00:00Z", "p_kw": 9000.0, "frequency": 50.0}
    client.publish(
        "plant/meters/m-1/reading", json.dumps(payload), qos=1, retain=True
    ).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()
    source = (
        f"  - {{name: meters, kind: mqtt, contract: energy_meter, host: 127.0.0.1,\n"
        f"     port: {mosquitto}, topics: ['plant/meters/+/reading'], device_topic_level: 2,\n"
        "     time_field: ts, fields: {active_power: p_kw}}\n"
    )
    code, doc = probe(tmp_path, source)
    assert code == 0
    sample = samples(doc)["meters"]
    assert sample["row"]["device_id"] == "m-1"
    assert sample["row"]["event_time"].startswith("2025-03-01T08:00:00")
    assert "range:active_power" in {f["rule"] for f in sample["failed"]}


def test_one_csv_line(tmp_path: Path) -> None:
    folder = tmp_path / "mes"
    folder.mkdir()
    (folder / "a.csv").write_text(
        "meter,timestamp,active_power,frequency\nm-9,2025-03-01T08:00:00Z,1.5,50\n"
        "m-9,2025-03-01T08:00:01Z,1.6,50\n"
    )
    source = (
        "  - {name: mes, kind: csv, contract: energy_meter, folder: mes,\n"
        "     device_column: meter, time_column: timestamp}\n"
    )
    code, doc = probe(tmp_path, source)
    assert code == 0
    row = samples(doc)["mes"]["row"]
    assert (row["device_id"], row["active_power"]) == ("m-9", 1.5)


def test_opcua_browse_and_one_data_change(tmp_path: Path, opc_server: OpcServer) -> None:
    source = (
        f"  - name: mill\n    kind: opcua\n    contract: machine_condition\n"
        f"    endpoint: opc.tcp://127.0.0.1:{opc_server.port}/\n    publishing_interval_ms: 50\n"
        "    devices:\n      - device_id: mill-01\n        nodes:\n"
        "          air_temperature: 'ns=2;s=Mill01.AirTemp'\n"
        "          rotational_speed: 'ns=2;s=Mill01.Speed'\n"
    )
    config = tmp_path / "edge.yaml"
    config.write_text(HEAD + source)
    result = CliRunner().invoke(
        app, ["probe", "--timeout", "20", "--browse", "i=85", str(config)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "ns=2;s=Mill01.Torque" in result.output  # the browse found the unmapped node
    assert "air_temperature" in result.output and "300.0" in result.output
    assert "would fail not_null:torque" in result.output


def test_no_reading_in_time_exits_1(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    source = "  - {name: mes, kind: csv, contract: energy_meter, folder: empty}\n"
    config = tmp_path / "edge.yaml"
    config.write_text(HEAD + source)
    result = CliRunner().invoke(app, ["probe", "--timeout", "1", "--source", "mes", str(config)])
    assert result.exit_code == 1
    assert "no reading within 1s" in result.output
