"""``assay-edge`` through typer's CliRunner: help everywhere, check-config, status."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from producers import Spool
from producers.cli import app

from .conftest import reading

runner = CliRunner()
EXAMPLE = Path(__file__).parents[3] / "infra" / "edge" / "edge.example.yaml"


@pytest.fixture(autouse=True)
def kafka_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's Kafka password comes from the environment, as on a gateway."""
    monkeypatch.setenv("ASSAY_EDGE_KAFKA_PASSWORD", "from-the-environment")


@pytest.mark.parametrize(
    "args", [[], ["run"], ["check-config"], ["status"], ["topics"], ["topics", "ensure"]]
)
def test_every_command_has_help(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_check_config_accepts_the_example() -> None:
    result = runner.invoke(app, ["check-config", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "ok: producer gw-plant-a-01" in result.output


def test_check_config_reports_a_bad_key_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "edge.yaml"
    bad.write_text(EXAMPLE.read_text().replace("when_full: block", "when_full: shrug"))
    result = runner.invoke(app, ["check-config", str(bad)])
    assert result.exit_code == 2
    assert "spool.when_full" in result.output


def test_check_config_reports_an_unknown_contract(tmp_path: Path) -> None:
    bad = tmp_path / "edge.yaml"
    bad.write_text(EXAMPLE.read_text().replace("contract: process_params", "contract: nope"))
    result = runner.invoke(app, ["check-config", str(bad)])
    assert result.exit_code == 2
    assert "sources[0].contract" in result.output


def test_status_reads_the_spool(tmp_path: Path, encoder) -> None:
    config = tmp_path / "edge.yaml"
    config.write_text(
        "producer_id: gw-01\nsite: plant-a\nspool: {path: s.db}\n"
        "sources: [{name: m, kind: csv, contract: energy_meter, folder: in}]\n"
    )
    spool = Spool(tmp_path / "s.db", "gw-01")
    spool.append([encoder.json(reading(i), i, 0) for i in range(3)])
    result = runner.invoke(app, ["status", str(config)], env={"COLUMNS": "200"})
    spool.close()
    assert result.exit_code == 0, result.output
    assert "3 readings in 3 messages" in result.output
    assert "next seq" in result.output


def test_status_without_a_spool_fails_clearly(tmp_path: Path) -> None:
    config = tmp_path / "edge.yaml"
    config.write_text(
        "producer_id: gw-01\nsite: plant-a\n"
        "sources: [{name: m, kind: csv, contract: energy_meter, folder: in}]\n"
    )
    result = runner.invoke(app, ["status", str(config)])
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("client", "module"), [("kafka-python", "kafka"), ("librdkafka", "confluent_kafka")]
)
def test_the_gateway_freezes_its_startup_objects_with_its_kafka_client_among_them(
    monkeypatch: pytest.MonkeyPatch, client: str, module: str
) -> None:
    import gc
    import sys

    from producers import cli

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(module in sys.modules))
    cli._freeze_startup(client)
    assert frozen == [True]


def test_version_and_shell_completion() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"assay-edge {version('assay')}"
    completion = runner.invoke(app, ["--show-completion", "bash"])
    assert completion.exit_code == 0 and "complete" in completion.output


def test_status_json_for_fleet_tooling(tmp_path: Path, encoder) -> None:
    import json

    config = tmp_path / "edge.yaml"
    config.write_text(
        "producer_id: gw-01\nsite: plant-a\nspool: {path: s.db}\n"
        "sources: [{name: m, kind: csv, contract: energy_meter, folder: in}]\n"
    )
    spool = Spool(tmp_path / "s.db", "gw-01")
    spool.append([encoder.json(reading(i), i, 0) for i in range(3)])
    spool.close()
    doc = json.loads(runner.invoke(app, ["status", "--json", str(config)]).stdout)
    assert doc["ok"] is True and doc["producer_id"] == "gw-01"
    assert (doc["readings"], doc["next_seq"], doc["dropped"]) == (3, 3, 0)
    assert doc["oldest_unsent_age_s"] > 0
    (topic,) = doc["ledger"]["topics"].values()
    assert (topic["contract"], topic["spooled"], topic["held"], topic["sent"]) == (
        "energy_meter",
        3,
        3,
        0,
    )
    (tmp_path / "s.db").unlink()
    missing = runner.invoke(app, ["status", "--json", str(config)])
    assert missing.exit_code == 1 and json.loads(missing.stdout)["ok"] is False
