"""Faults on the real stack: the S3 server killed mid-ingest and mid-validate, the Kafka broker
restarted mid-ingest, the Airflow scheduler killed (with the task it runs) mid-ingest. Each
ends with the audit balanced and the offsets tiled.

These stop and start the services of whatever stack the settings point at (the default
stack in CI, a private one elsewhere) through the stack's own service objects, and leave
them running.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from assay.config import Settings
from assay.devstack import airflow_client
from assay.devstack.stack import Service, _process
from assay.devstack.stack.airflow import airflow_services
from assay.devstack.stack.kafka import Kafka
from assay.devstack.stack.s3 import S3Server
from assay.errors import KafkaUnavailable
from assay.govern.audit import run_audit
from assay.pipeline.ingest.consumer import KafkaPartition, ingest_group, positions
from assay.pipeline.ingest.landing import Landed, land_partition
from assay.pipeline.problems import SegmentFailed
from assay.pipeline.validate import curation
from assay.store import layout
from schemas.kafka_security import kafka_python_security

from ._world import ENERGY, World, assert_tiled, make_world, reading

pytestmark = pytest.mark.integration


def crash(service: Service) -> None:
    """SIGKILL the service's process group, as a crash or the OOM killer would."""
    record = service.record()
    assert record is not None, f"{service.name} is not running"
    os.killpg(record.pid, signal.SIGKILL)
    assert _process.wait_for(lambda: _process._reaped(record), timeout=15, interval=0.1)


@contextmanager
def restored(service: Service) -> Iterator[None]:
    """Whatever the test does to the service, it runs again afterwards."""
    try:
        yield
    finally:
        service.up(lambda _: None)


def in_background(work: Callable[[], Any]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # the test asserts what it was
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def land(world: World, progress: Callable[[Landed], None] | None = None) -> list[Landed]:
    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        return land_partition(
            log, world.store, world.land, ENERGY, max_records=100, progress=progress
        )


def retried(
    world: World, within: float = 90.0, lander: Callable[[World], list[Landed]] = land
) -> list[Landed]:
    """Land (with ``lander``) as Airflow's task retries would: a transient failure (a broker
    still electing its partitions' leaders after a restart) is tried again seconds later."""
    deadline = time.monotonic() + within
    while True:
        try:
            return lander(world)
        except (SegmentFailed, KafkaUnavailable) as exc:
            transient = isinstance(exc, KafkaUnavailable) or exc.transient
            if not transient or time.monotonic() > deadline:
                raise
            time.sleep(2)


def slowly(started: threading.Event) -> Callable[[Landed], None]:
    """A progress callback that says the ingest is under way and keeps it under way a while."""

    def progress(_: Landed) -> None:
        started.set()
        time.sleep(0.1)

    return progress


def assert_balanced(world: World, records: int) -> None:
    assert_tiled(world, records)
    result = world.audit()
    assert result.balanced, result.problems
    assert result.totals.produced == records


def test_s3_killed_mid_ingest(stack_settings: Settings, unique: str) -> None:
    world, s3 = make_world(stack_settings, unique), S3Server(stack_settings)
    world.produce(range(5000))
    started = threading.Event()
    thread, errors = in_background(lambda: land(world, slowly(started)))
    assert started.wait(120)
    with restored(s3):
        crash(s3)
        thread.join(60)
    assert not thread.is_alive()
    (failed,) = errors
    assert isinstance(failed, SegmentFailed) and failed.transient  # Airflow would retry it
    land(world)  # the retry
    assert_balanced(world, 5000)


def test_s3_killed_mid_validate(stack_settings: Settings, unique: str) -> None:
    world, s3 = make_world(stack_settings, unique), S3Server(stack_settings)
    world.produce(range(1000))
    land(world)  # ten segments, validated two at a time: five groups of a second or more each
    done = f"state/{layout.partition_prefix(ENERGY.name, ENERGY.major, 0)}"
    thread, errors = in_background(
        lambda: curation.validate_pending(world.store, world.all, ENERGY, 0, group_readings=200)
    )
    first = lambda: bool(world.store.keys(world.all.reports, done))  # noqa: E731
    assert _process.wait_for(first, timeout=120, interval=0.05)  # the first group is written
    with restored(s3):
        crash(s3)
        thread.join(60)
    assert not thread.is_alive()
    (failed,) = errors
    assert isinstance(failed, SegmentFailed) and failed.offset is not None
    assert failed.transient
    curation.validate_pending(world.store, world.all, ENERGY, 0)  # the retry
    assert curation.pending(world.store, world.all, ENERGY, 0) == []
    assert_balanced(world, 1000)
    totals = world.audit().totals
    assert totals.curated + totals.quarantined + totals.duplicates == 1000


def test_kafka_restarted_mid_ingest(stack_settings: Settings, unique: str) -> None:
    world, kafka = make_world(stack_settings, unique), Kafka(stack_settings)
    world.produce(range(5000))
    started = threading.Event()
    thread, errors = in_background(lambda: land(world, slowly(started)))
    assert started.wait(120)
    with restored(kafka):
        kafka.down()
    thread.join(90)
    assert not thread.is_alive()
    # Either the run rode out the restart, or it failed in a way Airflow retries.
    assert all(isinstance(e, SegmentFailed) and e.transient for e in errors), errors
    retried(world)  # the task's retries
    assert_balanced(world, 5000)


INGEST = "assay_ingest_energy_meter"


def ingest_running(settings: Settings) -> bool:
    path = f"/dags/{INGEST}/dagRuns/~/taskInstances?state=running"
    found = airflow_client.call(settings, "GET", path)["task_instances"]
    return any(t["task_id"] == "ingest" for t in found)


def caught_up(settings: Settings) -> bool:
    found = positions(settings, "assay.energy_meter.v1", ingest_group(ENERGY.name))
    return all(committed == high for _, high, committed in found.values())


def test_scheduler_killed_mid_ingest(stack_settings: Settings, unique: str) -> None:
    """The scheduler SIGKILLed with the task processes it runs, while an ingest task runs: the
    task is retried, adopts what the killed one wrote, and nothing is lost or landed twice.

    It works on the contract's own topic and buckets (the DAGs know no others), with readings
    of a producer of its own, and takes a minute or two: the scheduler restarts and the
    killed task is found and retried.
    """
    import json

    import pyarrow.dataset as ds
    from kafka import KafkaProducer

    from assay.store.objects import arrow_filesystem
    from schemas import wire

    producer_id, n = f"kill-{unique}", 40_000
    sender = KafkaProducer(
        bootstrap_servers=stack_settings.bootstrap,
        acks="all",
        linger_ms=50,
        **kafka_python_security(stack_settings.kafka_security()),
    )
    headers = [(wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0")]
    for i in range(n):
        value = json.dumps({**reading(i), "producer_id": producer_id}).encode()
        sender.send("assay.energy_meter.v1", value, key=f"m{i % 8}".encode(), headers=headers)
    sender.flush(60)
    sender.close()
    airflow_client.trigger(stack_settings, INGEST)
    assert _process.wait_for(lambda: ingest_running(stack_settings), timeout=180, interval=0.5)
    scheduler = next(s for s in airflow_services(stack_settings) if s.name == "airflow-scheduler")
    with restored(scheduler):
        crash(scheduler)
    assert _process.wait_for(lambda: caught_up(stack_settings), timeout=420, interval=5)

    raw = ds.dataset(
        f"{stack_settings.bucket_raw}/energy_meter/v1/",
        filesystem=arrow_filesystem(stack_settings),
        format="parquet",
    )
    ours = raw.to_table(columns=["seq"], filter=ds.field("producer_id") == producer_id)
    assert sorted(ours["seq"].to_pylist()) == list(range(n))  # none lost, none twice
    audit = run_audit(stack_settings, ENERGY)
    assert audit.problems == []
