"""On the real broker and S3 server: retention overtaking ingest is a recorded loss, two
ingests of one partition at once neither lose nor duplicate an offset, and an operator's
skip keeps the audit balanced."""

from __future__ import annotations

import threading

import pytest
from kafka import TopicPartition
from kafka.admin import KafkaAdminClient

from assay.config import Settings
from assay.govern.health import pipeline_health
from assay.pipeline import problems
from assay.pipeline.ingest.consumer import KafkaPartition, positions
from assay.pipeline.ingest.deadletter import Reason
from assay.pipeline.ingest.landing import Landed, land_partition
from assay.pipeline.ingest.skip import skip_range
from assay.store.parquet import from_parquet
from schemas.kafka_security import kafka_python_security

from ._world import ENERGY, World, assert_tiled, make_world

pytestmark = pytest.mark.integration


def delete_before(world: World, offset: int) -> None:
    """What retention does: the log start moves to ``offset``."""
    admin = KafkaAdminClient(
        bootstrap_servers=world.settings.bootstrap,
        **kafka_python_security(world.settings.kafka_security()),
    )
    try:
        admin.delete_records({TopicPartition(world.topic, 0): offset})
    finally:
        admin.close()


def land(world: World, **limits: int) -> list[Landed]:
    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        return land_partition(log, world.store, world.land, ENERGY, **limits)


def test_retention_passing_the_committed_offset_is_a_recorded_loss(
    stack_settings: Settings, unique: str
) -> None:
    world = make_world(stack_settings, unique)
    world.produce(range(300))
    land(world, max_records=100, max_segments=1)
    delete_before(world, 180)  # records 100-179 expire unlanded
    (seen,) = [p for p in world.audit().problems if "expired" in p]
    assert "offsets 100-180 (80 records)" in seen and "next ingest records it" in seen
    health = pipeline_health(
        world.store,
        world.land.raw,
        world.all.reports,
        [ENERGY],
        lambda c: positions(stack_settings, world.topic, world.group),
    )
    assert [(e.start, e.end) for e in health.expired] == [(100, 180)]

    landed = land(world, max_records=100)
    assert [(x.segment.start, x.end) for x in landed] == [(180, 280), (280, 300)]
    (loss,) = problems.losses(world.store, world.land.raw, ENERGY)
    assert (loss.start, loss.end, loss.offsets, loss.committed, loss.log_start) == (
        100, 180, 80, 100, 180,
    )  # fmt: skip
    (problem,) = world.audit().problems
    assert "offsets 100-180 (80 records) expired" in problem
    problems.acknowledge_loss(world.store, world.land.raw, ENERGY, loss, "ops", "test")
    result = world.audit()
    assert result.balanced and result.totals.lost_records == 80
    assert_tiled(world, 300)


def test_two_ingests_of_one_partition_at_once_tile_the_offsets(
    stack_settings: Settings, unique: str
) -> None:
    world = make_world(stack_settings, unique)
    world.produce(range(3000))
    errors: list[BaseException] = []

    def ingest(max_records: int) -> None:
        try:
            for _ in range(3):  # each run as a task would, over and over
                land(world, max_records=max_records)
        except BaseException as exc:  # the assertion below shows it
            errors.append(exc)

    producing = threading.Thread(target=world.produce, args=(range(3000, 4000),))
    runs = [threading.Thread(target=ingest, args=(n,)) for n in (170, 260)]
    for thread in [producing, *runs]:
        thread.start()
    for thread in [producing, *runs]:
        thread.join(120)
    assert errors == []
    land(world, max_records=500)  # whatever the two left
    assert_tiled(world, 4000)
    store = world.store
    seqs = [
        s
        for key in store.keys(world.land.raw)
        if key.endswith(".parquet")
        for s in from_parquet(store.get(world.land.raw, key))["seq"].to_pylist()
    ]
    assert sorted(seqs) == list(range(4000))  # none lost, none twice
    result = world.audit()
    assert result.balanced, result.problems
    assert result.totals.produced == 4000


def test_an_operator_skip_keeps_the_bytes_and_the_audit_balanced(
    stack_settings: Settings, unique: str
) -> None:
    world = make_world(stack_settings, unique)
    world.produce(range(50))
    land(world, max_records=20, max_segments=1)
    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        landed = skip_range(
            log, world.store, world.land, ENERGY, 20, 23, by="wang.fang", why="crashes the decoder"
        )
        assert log.committed() == 23
    dead = from_parquet(world.store.get(world.land.deadletter, landed.raw_key)).to_pylist()
    assert [d["offset"] for d in dead] == [20, 21, 22]
    assert {d["reason_code"] for d in dead} == {Reason.SKIPPED_BY_OPERATOR}
    assert dead[0]["value"] and dead[0]["reason"] == "skipped by wang.fang: crashes the decoder"
    land(world)
    result = world.audit()
    assert result.balanced, result.problems
    assert (result.totals.produced, result.totals.skipped_by_operator) == (50, 3)
    assert_tiled(world, 50)


def test_the_operator_commands_refuse_what_would_lose_track(stack_settings: Settings) -> None:
    from typer.testing import CliRunner

    from assay.cli.app import app

    runner = CliRunner()
    far = 10**12  # past the log end: a skip must start where the partition stands
    args = ["--partition", "0", "--by", "ops", "--why", "test"]
    skip = runner.invoke(
        app, ["ingest", "skip", "energy_meter", "--from", str(far), "--to", str(far + 1), *args]
    )
    assert skip.exit_code == 1 and "goes on at offset" in skip.output
    ack = runner.invoke(
        app, ["ingest", "acknowledge-loss", "energy_meter", "--from", str(far), *args]
    )
    assert ack.exit_code == 2 and "recorded losses of partition 0" in ack.output
    status = runner.invoke(app, ["status"])
    assert status.exit_code in (0, 1) and "Traceback" not in status.output
