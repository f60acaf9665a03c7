"""Producers a plant already runs, on the real stack: plain JSON without assay's headers.

Telegraf polls a Modbus TCP meter (a pymodbus server) with infra/telegraf/energy_meter.conf;
Kafka's own console producer sends JSON lines. Both write the energy_meter topic over
SASL_SSL as the gateway principal `assay access kafka-gateway` makes, with the settings it
prints. Airflow lands and validates what they sent: the good readings are curated, the bad
ones are where the README's "Connect an existing producer" says, and `assay audit` balances.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest
import yaml
from typer.testing import CliRunner

from assay.config import Settings
from assay.devstack import airflow_client
from assay.devstack.stack.kafka import Kafka
from assay.devstack.telegraf import ensure_telegraf
from assay.govern.audit import run_audit
from assay.store.objects import arrow_filesystem
from schemas import load_contract

from .conftest import reader, serve_modbus, topic_of, wait_for

pytestmark = pytest.mark.integration

CONF = Path(__file__).parents[3] / "infra" / "telegraf" / "energy_meter.conf"
GATEWAY = "it-existing-producers"
UTC_8 = timezone(timedelta(hours=8))
ENERGY = load_contract("energy_meter")
#: The example meter of energy_meter.conf: holding registers 0..7, big-endian words.
METER = [0x4148, 0x0000, 0x0001, 0xE240, 2301, 5432, 930, 5001]
METER_READS = {
    "active_power": 12.5,
    "active_energy": 1234.56,
    "voltage_l1": 230.1,
    "current_l1": 54.32,
    "power_factor": 0.93,
    "frequency": 50.01,
}


@pytest.fixture(scope="module")
def gateway(bootstrap: str) -> dict[str, str]:
    """What `assay access kafka-gateway` prints for a gateway of energy_meter."""
    from assay.cli.app import app

    made = CliRunner().invoke(app, ["access", "kafka-gateway", GATEWAY, "energy_meter"])
    assert made.exit_code == 0, made.output
    security: dict[str, str] = yaml.safe_load(made.stdout)["kafka"]["security"]
    assert (security["protocol"], security["mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
    return security


def password(security: dict[str, str]) -> str:
    return Path(security["password_file"]).read_text().strip()


def sent_by(bootstrap: str, is_ours: Callable[[bytes], bool]) -> list[Any]:
    """Every record on the energy_meter topic whose key is ours."""
    consumer = reader(bootstrap, topic_of("energy_meter"))
    try:
        return [r for r in consumer if r.key is not None and is_ours(r.key)]
    finally:
        consumer.close()


def layer(settings: Settings, bucket: str) -> ds.Dataset | None:
    """One layer of energy_meter as a dataset; None while nothing has landed there (a fresh
    stack has no objects, so no prefix, until the pipeline writes its first one)."""
    try:
        return ds.dataset(
            f"{bucket}/energy_meter/v1/",
            filesystem=arrow_filesystem(settings),
            format="parquet",
            exclude_invalid_files=True,
        )
    except FileNotFoundError:
        return None


def rows_of(settings: Settings, bucket: str, producer: str) -> list[dict[str, Any]]:
    """The rows of ``producer`` in one layer of energy_meter."""
    dataset = layer(settings, bucket)
    if dataset is None:
        return []
    return dataset.to_table(filter=pc.field("producer_id") == producer).to_pylist()


def dead_letters(settings: Settings, marker: bytes) -> list[dict[str, Any]]:
    """Dead letters whose raw bytes contain ``marker``."""
    dataset = layer(settings, settings.bucket_deadletter)
    if dataset is None:
        return []
    table = dataset.to_table(columns=["value", "reason_code", "reason", "headers"])
    return [r for r in table.to_pylist() if marker in (r["value"] or b"")]


def land(settings: Settings, done: Callable[[], bool]) -> None:
    """Run ingest (validation follows on its asset) until ``done`` holds."""
    airflow_client.trigger(settings, "assay_ingest_energy_meter")
    assert wait_for(done, 420), "the pipeline did not land and validate the readings in 7 min"


def assert_audit_balances(settings: Settings) -> None:
    audit = run_audit(settings, ENERGY)
    assert audit.problems == []


def run_telegraf(
    binary: Path, security: dict[str, str], bootstrap: str, env: dict[str, str]
) -> str:
    """Telegraf with the shipped configuration for a few seconds; its log."""
    env = {
        **os.environ,
        "ASSAY_KAFKA_BOOTSTRAP": bootstrap,
        "ASSAY_KAFKA_USERNAME": security["username"],
        "ASSAY_KAFKA_PASSWORD": password(security),
        "ASSAY_KAFKA_CA_FILE": security["ca_file"],
        "TELEGRAF_INTERVAL": "250ms",
        **env,
    }
    argv = [str(binary), "--config", str(CONF), "--strict-env-handling"]
    agent = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(5)
    agent.terminate()  # flushes what it holds, then exits
    log, _ = agent.communicate(timeout=60)
    assert agent.returncode == 0, log.decode()
    return log.decode()


def test_telegraf_modbus_readings_are_curated(
    stack_settings: Settings, bootstrap: str, gateway: dict[str, str], unique: str
) -> None:
    binary = ensure_telegraf(stack_settings, print)
    device = f"it-tg-{unique}"
    with serve_modbus(METER + [0] * 10) as port:
        meter = {"METER_CONTROLLER": f"tcp://127.0.0.1:{port}", "METER_DEVICE_ID": device}
        log = run_telegraf(binary, gateway, bootstrap, {**meter, "ASSAY_SITE": "plant-it"})
    sent = sent_by(bootstrap, lambda key: key == device.encode())
    assert len(sent) >= 5, log
    assert all(r.headers == [] for r in sent)  # plain JSON, no assay headers
    producer = f"telegraf.{device}"
    curated = stack_settings.bucket_curated
    land(stack_settings, lambda: len(rows_of(stack_settings, curated, producer)) >= len(sent))

    rows = rows_of(stack_settings, curated, producer)
    assert sorted(r["seq"] for r in rows) == sorted(json.loads(r.value)["seq"] for r in sent)
    for row in rows:
        assert {k: row[k] for k in METER_READS} == pytest.approx(METER_READS)
        assert (row["device_id"], row["site"]) == (device, "plant-it")
        assert row["seq"] == round(row["event_time"].timestamp() * 1000)
        assert timedelta(0) <= row["ingest_time"] - row["event_time"] < timedelta(minutes=1)
    assert_audit_balances(stack_settings)


def client_properties(security: dict[str, str], folder: Path) -> Path:
    """A Java client's properties for the gateway principal (SASL_SSL, the stack's CA)."""
    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{security["username"]}" password="{password(security)}";'
    )
    path = folder / "client.properties"
    path.write_text(
        "security.protocol=SASL_SSL\n"
        "sasl.mechanism=SCRAM-SHA-512\n"
        f"sasl.jaas.config={jaas}\n"
        "ssl.truststore.type=PEM\n"
        f"ssl.truststore.location={security['ca_file']}\n"
    )
    return path


def console_lines(producer: str, devices: str) -> tuple[list[str], dict[int, str]]:
    """``device<TAB>json`` lines: readings stamped in UTC+8, the bad ones by seq, and one
    reading sent twice."""
    taken = datetime.now(UTC) - timedelta(minutes=2)
    lines, bad = [], {3: "range", 7: "unknown_field", 9: "naive_timestamp"}
    for seq in range(12):
        local = (taken + timedelta(seconds=seq)).astimezone(UTC_8)
        reading: dict[str, Any] = {
            "producer_id": producer,
            "seq": seq,
            "site": "plant-it",
            "device_id": f"{devices}-{seq % 2}",
            "event_time": local.isoformat(timespec="milliseconds"),
            **METER_READS,
        }
        if bad.get(seq) == "range":
            reading["voltage_l1"] = 9999.0
        elif bad.get(seq) == "unknown_field":
            reading["firmware"] = "2.4.1"
        elif bad.get(seq) == "naive_timestamp":
            reading["event_time"] = local.replace(tzinfo=None).isoformat(timespec="seconds")
        lines.append(f"{reading['device_id']}\t{json.dumps(reading)}")
    lines.append(lines[5])  # sent again without assay's replay header
    return lines, bad


def test_console_producer_json_lines_are_curated(
    stack_settings: Settings, bootstrap: str, gateway: dict[str, str], unique: str, tmp_path: Path
) -> None:
    producer, devices = f"console-{unique}", f"it-con-{unique}"
    lines, bad = console_lines(producer, devices)
    argv = [
        "java",
        "-cp",
        f"{Kafka(stack_settings).libs}/*",
        "org.apache.kafka.tools.ConsoleProducer",
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic_of("energy_meter"),
        "--command-config",
        str(client_properties(gateway, tmp_path)),
        "--reader-property",
        "parse.key=true",
    ]
    done = subprocess.run(argv, input="\n".join(lines) + "\n", capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]

    curated, quarantine = stack_settings.bucket_curated, stack_settings.bucket_quarantine
    land(stack_settings, lambda: len(rows_of(stack_settings, curated, producer)) >= 9)
    assert {r["seq"] for r in rows_of(stack_settings, curated, producer)} == set(range(12)) - set(
        bad
    )
    assert wait_for(lambda: len(rows_of(stack_settings, quarantine, producer)) == 2, 60)
    held = {r["seq"]: r["failed_rules"] for r in rows_of(stack_settings, quarantine, producer)}
    assert held == {3: ["range:voltage_l1"], 5: ["sequence_reset:producer_id+seq"]}
    letters = dead_letters(stack_settings, producer.encode())
    assert sorted(r["reason_code"] for r in letters) == ["naive_timestamp", "unknown_field"]
    assert any("firmware" in r["reason"] for r in letters)
    assert all(r["headers"] == [] for r in letters)
    assert_audit_balances(stack_settings)
