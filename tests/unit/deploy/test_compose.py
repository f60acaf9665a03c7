"""infra/compose is `assay deploy compose`'s output, and reads back as the settings code says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from assay.deploy import _env, compose_files
from assay.devstack.stack._airflow_env import airflow_env
from assay.devstack.stack.kafka_auth import INGEST, RELEASER, WATCHER
from assay.govern.access import pipeline_kafka_grants
from assay.pipeline.airflow.connections import connection_env

COMPOSE = Path(__file__).resolve().parents[3] / "infra" / "compose"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())
    return loaded


def test_the_committed_files_are_the_generators_output() -> None:
    for name, text in compose_files().items():
        path = COMPOSE / name
        assert path.read_text(encoding="utf-8") == text, f"{name}: run `assay deploy compose`"
        assert path.suffix != ".sh" or path.stat().st_mode & 0o111


def test_the_tasks_environment_is_the_settings_codes() -> None:
    airflow = compose()["x-airflow"]["environment"]
    assay = {k: v for k, v in airflow.items() if k.startswith("ASSAY_")}
    secrets = Path("/run/secrets")
    wanted = _env.task_env(
        "kafka:9092", "http://s3:7070", secrets / "kafka_ingest_password", secrets / "kafka_ca_pem"
    )
    assert assay == wanted


def test_the_watchers_connections_and_every_principal_are_wired() -> None:
    spec = compose()
    airflow = spec["x-airflow"]
    assert "airflow_connections" in airflow["secrets"]  # `assay access kafka-watchers` writes it
    kwargs = airflow["environment"]["AIRFLOW__SECRETS__BACKEND_KWARGS"]
    assert "/run/secrets/airflow_connections" in kwargs
    start = (COMPOSE / "kafka-start.sh").read_text()
    scram = set(re.findall(r"name=([a-z-]+),password", start))
    assert {g.principal for g in pipeline_kafka_grants()} | {"admin"} <= scram
    assert {f"kafka_{p}_password" for p in scram} <= set(spec["services"]["kafka"]["secrets"])


def test_the_connections_file_is_the_local_stacks_with_the_given_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`assay access airflow-connections` (compose's secret file) writes the connections
    the local stack hands its tasks, the passwords read from the given files."""
    from assay.cli.access import app

    from .test_k8s import local_stack

    stack = local_stack(tmp_path)
    for name in ("kafka_bootstrap", "kafka_security_protocol", "kafka_username", "kafka_ca_file"):
        monkeypatch.setenv(_env.variable(name), str(getattr(stack, name)))
    monkeypatch.setenv(_env.variable("kafka_password"), "admin-password")
    monkeypatch.setenv(_env.variable("state_dir"), str(tmp_path))
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for user in (INGEST, WATCHER, RELEASER):
        (secrets / f"kafka_{user}_password").write_text(f"{user}-password\n")
    done = CliRunner().invoke(
        app,
        ["airflow-connections", "--ingest-password-file", str(secrets / "kafka_ingest_password"),
         "--watcher-password-file", str(secrets / "kafka_watcher_password"),
         "--releaser-password-file", str(secrets / "kafka_releaser_password"),
         "--s3-endpoint-as", "https://s3.plant:9000"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    local = {k: json.loads(v) for k, v in airflow_env(stack, {}).items() if "_CONN_" in k}
    written = json.loads(done.stdout)
    assert {connection_env(k): v for k, v in written.items()} == local
