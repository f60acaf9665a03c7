"""A DAG task in an Airflow that holds assay's S3 keys in a connection: the ingest task lands
a real segment on the stack's S3 with the pipeline role's keys from ``AIRFLOW_CONN_ASSAY_S3``
(written by the stack's own code) while its ``ASSAY_S3_*`` settings point nowhere; and reads
Kafka through ``AIRFLOW_CONN_ASSAY_KAFKA`` while its ``ASSAY_KAFKA_BOOTSTRAP`` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.cli.app import app
from assay.config import Settings, load_settings
from assay.devstack.stack._airflow_env import s3_connections, task_connections
from assay.devstack.stack.kafka_auth import INGEST, principal_env
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import S3Store
from schemas import topic_name

from .test_site_contracts import N, produce, write_site_contract

pytestmark = pytest.mark.integration

TASK = "import json, sys; from assay.pipeline.airflow import tasks; print(json.dumps({}))"


def run_task(env: dict[str, str], call: str) -> subprocess.CompletedProcess[str]:
    """``call`` of `tasks` in a fresh interpreter with only ``env``: Airflow's secrets lookup
    sees the connections defined there and nothing of this process."""
    code = TASK.format(call)
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )


def task_env(settings: Settings, home: Path, contracts: Path) -> dict[str, str]:
    """A worker's environment: the ingest principal, and S3 settings that lead nowhere."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("ASSAY_S3_", "AIRFLOW_"))}
    return keep | principal_env(settings, INGEST) | {
        "AIRFLOW_HOME": str(home),
        "ASSAY_CONTRACTS_DIR": str(contracts),
        "ASSAY_S3_ENDPOINT": "http://127.0.0.1:9",  # discard: refused at once
        "ASSAY_S3_ACCESS_KEY": "no-such-key",
        "ASSAY_S3_SECRET_KEY": "no-such-secret",
    }  # fmt: skip


def test_the_ingest_task_lands_with_the_keys_of_the_connection(
    stack_settings: Settings, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"conn_{unique}"
    write_site_contract(tmp_path, name)
    monkeypatch.setenv("ASSAY_CONTRACTS_DIR", str(tmp_path))
    made = CliRunner().invoke(app, ["topics", "ensure"])
    assert made.exit_code == 0, made.output
    spec = load_settings().contracts().get(name)
    produce(stack_settings, topic_name(spec), name)

    env = task_env(stack_settings, tmp_path / "airflow", tmp_path)
    refused = run_task(env, f"tasks.ingest_units({name!r})")
    assert refused.returncode != 0, refused.stdout  # the settings alone reach no S3 server
    assert "assay.errors.StoreError" in refused.stderr and "port=9" in refused.stderr

    done = run_task(env | s3_connections(stack_settings), f"tasks.ingest({name!r}, [0])")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1])["readings"] == N
    raw, prefix = Buckets.from_settings(stack_settings).raw, layout.partition_prefix(name, 1, 0)
    assert list(S3Store(stack_settings).keys(raw, prefix))


def test_the_ingest_task_reads_kafka_through_the_connection(
    stack_settings: Settings, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"kconn_{unique}"
    write_site_contract(tmp_path, name)
    monkeypatch.setenv("ASSAY_CONTRACTS_DIR", str(tmp_path))
    made = CliRunner().invoke(app, ["topics", "ensure"])
    assert made.exit_code == 0, made.output
    spec = load_settings().contracts().get(name)
    produce(stack_settings, topic_name(spec), name)

    nowhere = {"ASSAY_KAFKA_BOOTSTRAP": "127.0.0.1:9"}  # discard: only the connection leads on
    env = task_env(stack_settings, tmp_path / "airflow", tmp_path) | nowhere
    done = run_task(env | task_connections(stack_settings), f"tasks.ingest({name!r}, [0])")
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1])["readings"] == N
