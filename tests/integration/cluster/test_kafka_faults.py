"""Kafka nodes killed under a running pipeline on the three-node cluster.

Each test produces with ``acks=all`` to a topic replicated three times (two in-sync replicas
required), lands and validates it as the pipeline's tasks do, kills a node meanwhile, and
ends with the audit balanced and no ``(producer_id, seq)`` curated twice.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from kafka import KafkaProducer

from assay.config import Settings
from assay.devstack.stack import _process
from assay.devstack.stack.kafka_cluster import KafkaNode, kafka_services, quorum_leader
from assay.pipeline.ingest.consumer import KafkaPartition
from assay.pipeline.ingest.landing import Landed, land_partition
from assay.pipeline.problems import SegmentFailed
from assay.pipeline.validate import curation
from schemas import wire
from schemas.kafka_security import kafka_python_security

from .._world import ENERGY, World, make_world, reading
from ..test_faults import assert_balanced, crash, in_background, restored, retried, slowly

pytestmark = pytest.mark.integration

READINGS = 20_000


def nodes(settings: Settings) -> list[KafkaNode]:
    found = [n for n in kafka_services(settings) if isinstance(n, KafkaNode)]
    assert len(found) == 3, "the cluster stack runs three Kafka nodes"
    return found


def leader_of(world: World) -> KafkaNode:
    """The node leading the world's one partition."""
    from kafka.admin import KafkaAdminClient

    security = kafka_python_security(world.settings.kafka_security())
    admin = KafkaAdminClient(bootstrap_servers=world.settings.bootstrap, **security)
    try:
        (described,) = admin.describe_topics([world.topic])
    finally:
        admin.close()
    leader = described["partitions"][0]["leader_id"]
    return next(n for n in nodes(world.settings) if n.node_id == leader)


def produce_all(world: World, seqs: range, sent: threading.Event) -> None:
    """Send with acks=all and wait for every acknowledgement: an error fails the test."""
    producer = KafkaProducer(
        bootstrap_servers=world.settings.bootstrap,
        acks="all",
        linger_ms=20,
        retries=2_147_483_647,
        delivery_timeout_ms=120_000,
        **kafka_python_security(world.settings.kafka_security()),
    )
    headers = [(wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0")]
    futures = []
    for i in seqs:
        value = json.dumps(reading(i)).encode()
        futures.append(producer.send(world.topic, value, key=b"k", headers=headers))
        if i == seqs.start + len(seqs) // 4:
            sent.set()
    producer.flush(120)
    producer.close()
    for future in futures:
        future.get(timeout=1)  # raises the send's error, if any


def land(world: World, progress: Callable[[Landed], None] | None = None) -> list[Landed]:
    """Land as the ingest task does, in segments of 1000 (validation's cost is per segment)."""
    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        return land_partition(
            log, world.store, world.land, ENERGY, max_records=1000, progress=progress
        )


def land_once_there(world: World, progress: Callable[[Landed], None]) -> list[Landed]:
    """`land`, again while Kafka has acknowledged nothing yet: ``sent`` means the sends were
    queued, and a landing that finds the partition empty ends at once, as a scheduled run
    would before the next one."""
    deadline = time.monotonic() + 120
    while not (done := land(world, progress)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return done


def validate(world: World) -> None:
    curation.validate_pending(world.store, world.all, ENERGY, 0)
    assert curation.pending(world.store, world.all, ENERGY, 0) == []


def assert_curated_once(world: World, records: int) -> None:
    """Every seq curated exactly once (the readings are valid, so none is quarantined)."""
    import pyarrow.dataset as ds

    from assay.store.objects import arrow_filesystem

    curated = ds.dataset(
        f"{world.all.curated}/", filesystem=arrow_filesystem(world.settings), format="parquet"
    )
    seqs = curated.to_table(columns=["producer_id", "seq"]).to_pylist()
    pairs = [(row["producer_id"], row["seq"]) for row in seqs]
    assert len(pairs) == len(set(pairs)), "a (producer_id, seq) curated twice"
    assert sorted(seq for _, seq in pairs) == list(range(records))


def created_meanwhile(world: World) -> World:
    """A new topic made while a node is down: the admin client may first ask the dead node
    (its cached metadata), so it asks again, as an operator's tool would."""
    from kafka.errors import KafkaError

    for attempt in range(30):
        try:
            return make_world(world.settings, f"{world.topic.rsplit('.', 1)[-1]}x{attempt}")
        except KafkaError:
            time.sleep(2)
    raise AssertionError("no topic could be created within a minute of the election")


@pytest.fixture
def world(cluster: Settings, unique: str) -> Iterator[World]:
    yield make_world(cluster, unique)
    for node in nodes(cluster):  # whatever a test killed runs again for the next one
        node.up(lambda _: None)


def test_topics_are_replicated_with_two_in_sync(cluster: Settings) -> None:
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    topic = "assay.energy_meter.v1"
    admin = KafkaAdminClient(
        bootstrap_servers=cluster.bootstrap, **kafka_python_security(cluster.kafka_security())
    )
    try:
        (described,) = admin.describe_topics([topic])
        wanted = ConfigResource(
            ConfigResourceType.TOPIC, topic, configs={"min.insync.replicas": None}
        )
        configs = admin.describe_configs([wanted], config_filter="all")["topic"][topic]
    finally:
        admin.close()
    assert {len(p["replica_nodes"]) for p in described["partitions"]} == {3}
    assert configs["min.insync.replicas"]["value"] == "2"


def test_broker_killed_during_produce_and_ingest(world: World) -> None:
    """The partition's leader dies while the edge sends and the ingest reads: every send is
    acknowledged (two replicas remain in sync), the ingest fails over or fails transiently
    and is retried, and the pipeline ends balanced."""
    sent, started = threading.Event(), threading.Event()
    producing, produce_errors = in_background(lambda: produce_all(world, range(READINGS), sent))
    assert sent.wait(300), "a quarter of the readings were not sent within 5 minutes"
    landing, land_errors = in_background(lambda: land_once_there(world, slowly(started)))
    deadline = time.monotonic() + 300
    while not started.wait(1) and landing.is_alive() and time.monotonic() < deadline:
        pass  # a landing that ended without a segment says why below, not after 5 minutes
    assert started.is_set(), f"the landing landed no segment within 5 minutes: {land_errors}"
    victim = leader_of(world)
    with restored(victim):
        crash(victim)
        producing.join(180)
        landing.join(180)
        assert not producing.is_alive() and not landing.is_alive()
        assert produce_errors == [], produce_errors
        # Either the run rode out the failover, or it failed in a way Airflow retries.
        assert all(isinstance(e, SegmentFailed) and e.transient for e in land_errors), land_errors
        assert leader_of(world).node_id != victim.node_id
        retried(world, lander=land)  # what the next scheduled run lands
        validate(world)
    assert_balanced(world, READINGS)
    assert_curated_once(world, READINGS)


def test_active_controller_killed(world: World) -> None:
    """The quorum's leader dies: the other two elect one, topics can still be created, and
    produce, ingest and validate carry on to a balanced audit."""
    cluster = nodes(world.settings)
    victim = quorum_leader(cluster)
    assert victim is not None
    sent = threading.Event()
    with restored(victim):
        crash(victim)
        survivors = [n for n in cluster if n is not victim]
        elected = _process.wait_for(
            lambda: (found := quorum_leader(survivors)) is not None and found is not victim,
            timeout=60,
        )
        assert elected
        after = created_meanwhile(world)
        produce_all(after, range(READINGS), sent)
        retried(after, lander=land)
        validate(after)
    assert_balanced(after, READINGS)
    assert_curated_once(after, READINGS)
