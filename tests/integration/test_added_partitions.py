"""Partitions added to a topic while the pipeline runs: landed, validated and audited by the
work of the DAGs' tasks without a restart, and one that never got a record is no problem.

A site contract (ASSAY_CONTRACTS_DIR) gives each test a topic of its own: its topic is created
with the contract's two partitions, then grown to five with Kafka's admin API, as
``kafka-topics --alter --partitions 5`` does. The first test calls the DAGs' task functions;
the second runs the DAGs themselves with ``dag.test()`` (this checkout's code, in this process,
recorded in the stack's Airflow database, where the stack's services do not know the contract).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewPartitions
from typer.testing import CliRunner

from assay.cli.app import app
from assay.config import Settings, load_settings
from assay.devstack.stack.kafka_auth import ADMIN, EDGE_DEMO, INGEST, principal_env
from assay.devstack.stack.kafka_auth import principal_security as security_of
from assay.govern.audit import run_audit
from assay.govern.health import run_health
from assay.pipeline.airflow import dags, tasks
from assay.store import layout
from assay.store.objects import arrow_filesystem
from schemas import Contract, topic_name, wire
from schemas._loader import shipped_contracts_dir
from schemas.kafka_security import kafka_python_security

from ._world import reading

pytestmark = pytest.mark.integration
BEFORE, AFTER = 2, 5  # partitions: the contract's, then the topic's
PER_PARTITION = 15
FILLED = (0, 2, 3)  # after the alter: partition 1 gets nothing new, partition 4 nothing ever


def write_contract(folder: Path, name: str) -> None:
    """The energy meter's contract under another name, with two partitions."""
    text = (shipped_contracts_dir() / "energy_meter.yaml").read_text(encoding="utf-8")
    text = text.replace("name: energy_meter", f"name: {name}", 1)
    (folder / f"{name}.yaml").write_text(text.replace("partitions: 6", f"partitions: {BEFORE}", 1))


def produce(settings: Settings, spec: Contract, partitions: tuple[int, ...], first: int) -> None:
    """``PER_PARTITION`` readings into each partition, each partition a producer of its own,
    numbered from ``first`` on (the edge's producer id and sequence)."""
    security = kafka_python_security(security_of(settings, EDGE_DEMO))
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap, acks="all", **security)
    headers = [(wire.HEADER_CONTRACT, spec.name.encode()), (wire.HEADER_VERSION, b"1.0.0")]
    for p in partitions:
        for i in range(first, first + PER_PARTITION):
            value = {**reading(i), "producer_id": f"edge-{spec.name}-{p}", "device_id": f"m{p}"}
            producer.send(
                topic_name(spec), json.dumps(value).encode(), partition=p, headers=headers
            )
    producer.flush(60)
    producer.close()


def grow(settings: Settings, topic: str, total: int) -> None:
    """Add partitions to a running topic, as an operator does."""
    admin = KafkaAdminClient(
        bootstrap_servers=settings.bootstrap,
        **kafka_python_security(security_of(settings, ADMIN)),
    )
    try:
        admin.create_partitions({topic: NewPartitions(total_count=total)})
    finally:
        admin.close()


def run_pipeline(name: str) -> tuple[set[int], set[int], int]:
    """What the ingest and validate DAGs' tasks do: plan, then work each planned unit; the
    partitions each plan named, and the readings curated."""
    ingest_units, curated = tasks.ingest_units(name), 0
    for unit in ingest_units:
        tasks.ingest(name, unit)
    validate_units = tasks.validate_units(name)
    for unit in validate_units:
        curated += tasks.validate(name, unit)["curated"]
    return _flat(ingest_units), _flat(validate_units), curated


def _flat(units: list[list[int]]) -> set[int]:
    return {p for unit in units for p in unit}


def curated_pairs(settings: Settings, name: str) -> pa.Table:
    dataset = ds.dataset(
        f"{settings.bucket_curated}/{layout.dataset_prefix(name, 1)}",
        filesystem=arrow_filesystem(settings),
        format="parquet",
    )
    return dataset.to_table(columns=["producer_id", "seq"])


def run_dags(name: str) -> tuple[set[int], set[int], int]:
    """The ingest DAG, then the validate DAG, each run once by Airflow (``dag.test()``): the
    partitions each one's plan task mapped, and the readings curated."""
    from airflow.utils.state import DagRunState

    found, planned, curated = dags.pipeline_dags(), [], 0
    for stage in ("ingest", "validate"):
        run = found[f"assay_{stage}_{name}"].test()
        assert run.state == DagRunState.SUCCESS, run.get_task_instances()
        planned.append(_flat(run.get_task_instance("plan").xcom_pull(task_ids="plan")))
        for ti in run.get_task_instances():  # a plan of no units leaves one unmapped, skipped
            if ti.task_id == "validate" and ti.map_index >= 0:
                curated += ti.xcom_pull(task_ids="validate", map_indexes=ti.map_index)["curated"]
    return planned[0], planned[1], curated


def start(settings: Settings, name: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Contract:
    """The site contract's topic made by `assay topics ensure`; this process then works as
    Airflow's tasks do, as the ingest principal."""
    write_contract(folder, name)
    monkeypatch.setenv("ASSAY_CONTRACTS_DIR", str(folder))
    made = CliRunner().invoke(app, ["topics", "ensure"])
    assert made.exit_code == 0, made.output
    spec = load_settings().contracts().get(name)
    for key, value in principal_env(settings, INGEST).items():
        monkeypatch.setenv(key, value)
    return spec


def grow_and_fill(settings: Settings, spec: Contract) -> None:
    """Grow the topic from the contract's partitions to ``AFTER`` and send to ``FILLED``."""
    grow(settings, topic_name(spec), AFTER)
    produce(settings, spec, FILLED, PER_PARTITION)
    again = CliRunner().invoke(app, ["topics", "ensure"])
    assert f"{AFTER - BEFORE} partitions added" in again.output, again.output


@pytest.mark.parametrize("pipeline", [run_pipeline, run_dags], ids=["tasks", "dags"])
def test_partitions_added_while_running_are_landed_validated_and_audited(
    stack_settings: Settings,
    unique: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pipeline: Callable[[str], tuple[set[int], set[int], int]],
) -> None:
    name = f"grown_{unique}"
    spec = start(stack_settings, name, tmp_path, monkeypatch)
    produce(stack_settings, spec, (0, 1), 0)
    assert pipeline(name) == ({0, 1}, {0, 1}, 2 * PER_PARTITION)

    grow_and_fill(stack_settings, spec)
    assert pipeline(name) == (set(FILLED), set(FILLED), len(FILLED) * PER_PARTITION)
    assert pipeline(name) == (set(), set(), 0)  # caught up: nothing planned

    audit = run_audit(stack_settings, spec)
    assert audit.balanced, audit.problems
    assert sorted(audit.partitions) == list(range(AFTER))
    assert audit.partitions[4].produced == audit.partitions[4].not_landed_records == 0
    assert audit.totals.produced == audit.totals.curated == 5 * PER_PARTITION
    said = CliRunner().invoke(app, ["audit", name])
    assert said.exit_code == 0, said.output
    pairs = curated_pairs(stack_settings, name)
    assert pairs.num_rows == 5 * PER_PARTITION
    assert pairs.group_by(["producer_id", "seq"]).aggregate([]).num_rows == pairs.num_rows
    health = run_health(stack_settings, [spec])
    assert health.ok, health
