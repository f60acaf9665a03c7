"""infra/compose is `assay deploy compose`'s output, and reads back as the settings code says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from assay.deploy import _env, compose_files
from assay.govern.access import pipeline_kafka_grants

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
