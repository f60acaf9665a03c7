"""A Celery worker killed while it runs an ingest task, then while it runs a validate task.

The DAGs run on the cluster's CeleryExecutor with two workers. The busy worker is SIGKILLed
with its task; the scheduler finds the task without a heartbeat, fails it, and Airflow's
retry runs it on the other worker, which adopts what the killed one wrote. The test ends
with every reading landed and curated exactly once and the audit balanced.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kafka import KafkaProducer

from assay.config import Settings
from assay.devstack import airflow_client
from assay.devstack.stack import Service, _process
from assay.devstack.stack.airflow import airflow_services
from assay.govern.audit import run_audit
from assay.pipeline.ingest.consumer import ingest_group, positions
from assay.pipeline.validate import curation
from schemas import wire
from schemas.kafka_security import kafka_python_security

from .._world import ENERGY, reading
from ..test_faults import crash, restored

pytestmark = pytest.mark.integration

TOPIC = "assay.energy_meter.v1"
READINGS = 30_000


def workers(settings: Settings) -> list[Service]:
    found = [s for s in airflow_services(settings) if s.name.startswith("airflow-worker-")]
    assert len(found) == 2, "the cluster stack runs two Celery workers"
    return found


def session_of(pid: int) -> int | None:
    """The session id of a process (``/proc/<pid>/stat`` field 6): a worker's tasks are in
    the worker's session (the stack starts each worker as a session leader)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(text[text.rindex(")") + 2 :].split()[3])


def running_on(settings: Settings, dag_id: str, task_id: str) -> Service | None:
    """The worker that runs ``task_id`` of ``dag_id`` now, by the task process's pid."""
    path = f"/dags/{dag_id}/dagRuns/~/taskInstances?state=running"
    found = airflow_client.call(settings, "GET", path)["task_instances"]
    sessions = {session_of(t["pid"]) for t in found if t["task_id"] == task_id and t.get("pid")}
    for worker in workers(settings):
        record = worker.record()
        if record and record.pid in sessions:
            return worker
    return None


def kill_busy_worker(settings: Settings, dag_id: str, task_id: str) -> Service:
    """Wait until a worker runs ``task_id`` of ``dag_id``, then SIGKILL that worker."""
    victim: list[Service] = []

    def found() -> bool:
        victim[:] = [w for w in [running_on(settings, dag_id, task_id)] if w]
        return bool(victim)

    assert _process.wait_for(found, timeout=300, interval=0.3), f"no {task_id} ran"
    crash(victim[0])
    return victim[0]


def produce(settings: Settings, producer_id: str) -> None:
    sender = KafkaProducer(
        bootstrap_servers=settings.bootstrap,
        acks="all",
        linger_ms=50,
        **kafka_python_security(settings.kafka_security()),
    )
    headers = [(wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0")]
    for i in range(READINGS):
        value = json.dumps({**reading(i), "producer_id": producer_id}).encode()
        sender.send(TOPIC, value, key=f"m{i % 8}".encode(), headers=headers)
    sender.flush(60)
    sender.close()


def caught_up(settings: Settings) -> bool:
    found = positions(settings, TOPIC, ingest_group(ENERGY.name))
    return all(committed == high for _, high, committed in found.values())


def validated(settings: Settings) -> bool:
    from assay.store.buckets import Buckets
    from assay.store.objects import S3Store

    store, buckets = S3Store(settings), Buckets.from_settings(settings)
    return all(not curation.pending(store, buckets, ENERGY, p) for p in range(ENERGY.partitions))


def seqs(settings: Settings, bucket: str, producer_id: str) -> list[int]:
    import pyarrow.dataset as ds

    from assay.store.objects import arrow_filesystem

    try:
        found = ds.dataset(
            f"{bucket}/energy_meter/v1/", filesystem=arrow_filesystem(settings), format="parquet"
        )
    except FileNotFoundError:  # a fresh stack: nothing was written to this layer yet
        return []
    table = found.to_table(columns=["seq"], filter=ds.field("producer_id") == producer_id)
    return sorted(table["seq"].to_pylist())


def paused(settings: Settings, dag_id: str, pause: bool) -> None:
    airflow_client.call(settings, "PATCH", f"/dags/{dag_id}", {"is_paused": pause})


def test_worker_killed_mid_ingest_and_mid_validate(cluster: Settings, unique: str) -> None:
    producer_id = f"celery-{unique}"
    ingest, validate = (f"assay_{stage}_{ENERGY.name}" for stage in ("ingest", "validate"))
    paused(cluster, validate, True)  # validation waits until the ingest's fault is over
    try:
        produce(cluster, producer_id)
        airflow_client.trigger(cluster, ingest)
        victim = kill_busy_worker(cluster, ingest, "ingest")
        with restored(victim):  # the other worker takes the retry
            assert _process.wait_for(lambda: caught_up(cluster), timeout=420, interval=5)
    finally:
        paused(cluster, validate, False)
    assert seqs(cluster, cluster.bucket_raw, producer_id) == list(range(READINGS))

    airflow_client.trigger(cluster, validate)
    victim = kill_busy_worker(cluster, validate, "validate")
    with restored(victim):
        assert _process.wait_for(lambda: validated(cluster), timeout=420, interval=5)
    # Long runs of one voltage are a stuck sensor by the contract: some readings are
    # quarantined for it, rightly. None is curated twice, and none is lost.
    curated = seqs(cluster, cluster.bucket_curated, producer_id)
    assert len(curated) == len(set(curated)), "a (producer_id, seq) curated twice"
    held = seqs(cluster, cluster.bucket_quarantine, producer_id)
    assert sorted(curated + held) == list(range(READINGS))
    assert run_audit(cluster, ENERGY).problems == []
