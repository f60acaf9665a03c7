"""A site's own contract, from ASSAY_CONTRACTS_DIR, through the real stack: its topic made by
`assay topics ensure`, its readings landed and validated by the work of its DAGs' tasks as the
pipeline's own principals, its curated rows on S3 and its audit balanced."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from kafka import KafkaProducer
from typer.testing import CliRunner

from assay.cli.app import app
from assay.config import Settings, load_settings
from assay.devstack.stack.kafka_auth import EDGE_DEMO, INGEST, principal_env, principal_security
from assay.govern.audit import run_audit
from assay.pipeline.airflow import dags, tasks
from assay.store import layout
from assay.store.objects import arrow_filesystem
from schemas import topic_name, wire
from schemas._loader import shipped_contracts_dir
from schemas.kafka_security import kafka_python_security

from ._world import reading

pytestmark = pytest.mark.integration
N = 40


def write_site_contract(folder: Path, name: str) -> None:
    """The energy meter's contract under another name, one partition."""
    text = (shipped_contracts_dir() / "energy_meter.yaml").read_text(encoding="utf-8")
    text = text.replace("name: energy_meter", f"name: {name}", 1)
    (folder / f"{name}.yaml").write_text(text.replace("partitions: 6", "partitions: 1", 1))


def produce(settings: Settings, topic: str, name: str) -> None:
    security = kafka_python_security(principal_security(settings, EDGE_DEMO))
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap, acks="all", **security)
    headers = [(wire.HEADER_CONTRACT, name.encode()), (wire.HEADER_VERSION, b"1.0.0")]
    for i in range(N):
        value = json.dumps({**reading(i), "producer_id": f"edge-{name}"}).encode()
        producer.send(topic, value, key=f"meter-{i % 4}".encode(), headers=headers)
    producer.flush(60)
    producer.close()


def test_a_site_contract_runs_end_to_end(
    stack_settings: Settings, unique: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"site_{unique}"
    write_site_contract(tmp_path, name)
    (tmp_path / "broken.yaml").write_text("name: broken\nversion: [\n")
    monkeypatch.setenv("ASSAY_CONTRACTS_DIR", str(tmp_path))

    made = CliRunner().invoke(app, ["topics", "ensure"])
    assert made.exit_code == 0, made.output
    spec = load_settings().contracts().get(name)
    assert topic_name(spec) in made.output
    assert {f"assay_ingest_{name}", f"assay_validate_{name}"} <= set(dags.pipeline_dags())

    produce(stack_settings, topic_name(spec), name)
    for key, value in principal_env(stack_settings, INGEST).items():  # as in Airflow's tasks
        monkeypatch.setenv(key, value)
    assert tasks.ingest_units(name) == [[0]]
    assert tasks.ingest(name, [0])["readings"] == N
    validated = tasks.validate(name, [0])
    assert validated["curated"] + validated["quarantined"] == N and validated["curated"] > 0

    curated = ds.dataset(
        f"{stack_settings.bucket_curated}/{layout.dataset_prefix(name, 1)}",
        filesystem=arrow_filesystem(stack_settings),
        format="parquet",
    )
    assert curated.count_rows() == validated["curated"]
    audit = run_audit(stack_settings, spec)
    assert audit.balanced, audit.problems
    assert audit.totals.produced == N
