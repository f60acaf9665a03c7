"""Ingest on the real broker and S3 server: exactly once, poison dead-lettered, re-runs same."""

from __future__ import annotations

import hashlib
import json
import math

import pytest
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from assay.config import Settings
from assay.pipeline.ingest.consumer import KafkaPartition, backlog
from assay.pipeline.ingest.deadletter import Reason
from assay.pipeline.ingest.landing import Buckets, SegmentFailed, land_partition, land_segment
from assay.store.objects import S3Store, s3_client
from assay.store.parquet import from_parquet
from schemas import Contract, load_contract, wire
from schemas.kafka_security import kafka_python_security

pytestmark = pytest.mark.integration


def reading(i: int, **overrides: object) -> dict[str, object]:
    value: dict[str, object] = {
        "producer_id": "edge-it",
        "seq": i,
        "site": "plant-a",
        "device_id": f"meter-{i % 4}",
        "event_time": f"2026-03-01T08:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
        "ingest_time": f"2026-03-01T08:{i // 60 % 60:02d}:{i % 60:02d}.200Z",
        "active_power": 40.0 + i % 9,
        "active_energy": 100.0 + i,
        "voltage_l1": 229.5,
        "current_l1": 60.0,
        "power_factor": 0.93,
        "frequency": 50.01,
    }
    value.update(overrides)
    return value


# The poison-message suite: what each becomes.
POISON: list[tuple[str, bytes, dict[str, str], str]] = [
    ("non-json", b"<xml>not json</xml>", {}, Reason.INVALID_JSON),
    ("wrong encoding", '{"producer_id": "é"}'.encode("utf-16"), {}, Reason.INVALID_JSON),
    (
        "5 MB message",
        json.dumps(reading(10_001, circuit="X" * 5_000_000)).encode(),
        {},
        Reason.TOO_LARGE,
    ),
    (
        "unknown major",
        json.dumps(reading(10_002)).encode(),
        {wire.HEADER_VERSION: "7.0.0"},
        Reason.UNKNOWN_VERSION,
    ),
    ("missing key", json.dumps(reading(10_003, device_id=None)).encode(), {}, Reason.MISSING_KEY),
    ("NaN", json.dumps(reading(10_004, active_power=math.nan)).encode(), {}, Reason.NON_FINITE),
    ("inf", json.dumps(reading(10_005, voltage_l1=math.inf)).encode(), {}, Reason.NON_FINITE),
]


@pytest.fixture
def energy() -> Contract:
    return load_contract("energy_meter")


@pytest.fixture
def topic(stack_settings: Settings, unique: str) -> str:
    name = f"test.ingest.{unique}"
    security = kafka_python_security(stack_settings.kafka_security())
    admin = KafkaAdminClient(bootstrap_servers=stack_settings.bootstrap, **security)
    admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])
    admin.close()
    return name


def buckets(settings: Settings, tag: str) -> Buckets:
    client = s3_client(settings)
    made = Buckets(raw=f"it-raw-{tag}", deadletter=f"it-dead-{tag}", reports=f"it-rep-{tag}")
    for bucket in (made.raw, made.deadletter, made.reports):
        client.make_bucket(bucket)
    return made


def produce(
    settings: Settings, topic: str, messages: list[tuple[bytes, bytes, dict[str, str]]]
) -> None:
    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap,
        acks="all",
        enable_idempotence=True,
        compression_type="zstd",
        max_request_size=8 << 20,
        **kafka_python_security(settings.kafka_security()),
    )
    base = {wire.HEADER_CONTRACT: "energy_meter", wire.HEADER_VERSION: "1.0.0"}
    for key, value, headers in messages:
        merged = base | headers
        producer.send(topic, value, key=key, headers=[(k, v.encode()) for k, v in merged.items()])
    producer.flush(60)
    producer.close()


def checksums(store: S3Store, bucket: str) -> dict[str, str]:
    return {k: hashlib.sha256(store.get(bucket, k)).hexdigest() for k in store.keys(bucket)}


def land_all(
    settings: Settings, topic: str, group: str, target: Buckets, contract: Contract, **limits: int
) -> list:
    landed = []
    for partition in (0, 1):
        with KafkaPartition(settings, topic, partition, group) as log:
            landed += land_partition(log, S3Store(settings), target, contract, **limits)
    return landed


def test_poison_suite_and_accounting(
    stack_settings: Settings, topic: str, unique: str, energy: Contract
) -> None:
    good = [(f"meter-{i % 4}".encode(), json.dumps(reading(i)).encode(), {}) for i in range(400)]
    future = json.dumps(reading(10_006, event_time="2099-01-01T00:00:00.000Z")).encode()
    poison = [(b"meter-0", value, headers) for _, value, headers, _ in POISON]
    produce(stack_settings, topic, good + poison + [(b"meter-1", future, {})])
    target = buckets(stack_settings, unique)
    landed = land_all(stack_settings, topic, f"it-{unique}", target, energy, max_records=100)

    store = S3Store(stack_settings)
    dead = [from_parquet(store.get(target.deadletter, k)) for k in store.keys(target.deadletter)]
    reasons = sorted(r for t in dead for r in t["reason_code"].to_pylist())
    assert reasons == sorted(str(reason) for *_, reason in POISON)
    # Every message is accounted for: readings landed + readings dead-lettered.
    assert (
        sum(x.readings for x in landed) == 401
    )  # the far-future one is a reading: validation judges it
    assert sum(x.dead_readings for x in landed) == len(POISON)
    assert sum(x.records for x in landed) == 400 + len(POISON) + 1
    raw = [from_parquet(store.get(target.raw, k)) for k in store.keys(target.raw)]
    assert sorted(s for t in raw for s in t["seq"].to_pylist()) == [*range(400), 10_006]


def test_rerun_over_same_offsets_writes_identical_objects(
    stack_settings: Settings, topic: str, unique: str, energy: Contract
) -> None:
    produce(
        stack_settings,
        topic,
        [(f"m{i % 3}".encode(), json.dumps(reading(i)).encode(), {}) for i in range(300)],
    )
    first, second = buckets(stack_settings, f"{unique}a"), buckets(stack_settings, f"{unique}b")
    land_all(stack_settings, topic, f"g1-{unique}", first, energy, max_records=64)
    land_all(stack_settings, topic, f"g2-{unique}", second, energy, max_records=64)
    store = S3Store(stack_settings)
    assert checksums(store, first.raw) == checksums(store, second.raw)
    assert len(checksums(store, first.raw)) >= 5


class CrashBeforeCommit(Exception):
    pass


def test_crash_after_write_before_commit_then_rerun(
    stack_settings: Settings, topic: str, unique: str, energy: Contract
) -> None:
    produce(
        stack_settings, topic, [(b"one", json.dumps(reading(i)).encode(), {}) for i in range(120)]
    )
    target, group, store = (
        buckets(stack_settings, unique),
        f"crash-{unique}",
        S3Store(stack_settings),
    )
    partition = next(
        p for p in (0, 1) if KafkaPartition(stack_settings, topic, p, group).bounds()[1]
    )

    with KafkaPartition(stack_settings, topic, partition, group) as log:

        def crash(offset: int, metadata: str) -> None:
            raise CrashBeforeCommit(offset)

        log.commit = crash  # type: ignore[method-assign]
        with pytest.raises(SegmentFailed) as failed:
            land_segment(log, store, target, energy, max_records=50)
        assert isinstance(failed.value.cause, CrashBeforeCommit)
    written = checksums(store, target.raw)
    # More data arrives before the re-run; the re-run must still rewrite the same segment.
    produce(
        stack_settings,
        topic,
        [(b"one", json.dumps(reading(i)).encode(), {}) for i in range(120, 150)],
    )
    with KafkaPartition(stack_settings, topic, partition, group) as log:
        landed = land_partition(log, store, target, energy, max_records=50)
        assert log.committed() == 150
    assert landed[0].recovered
    assert {k: v for k, v in checksums(store, target.raw).items() if k in written} == written
    rows = [
        s
        for k in store.keys(target.raw)
        for s in from_parquet(store.get(target.raw, k))["seq"].to_pylist()
    ]
    assert sorted(rows) == list(range(150))


def test_backlog_counts_what_the_group_has_not_committed(
    stack_settings: Settings, topic: str, unique: str, energy: Contract
) -> None:
    group = f"backlog-{unique}"
    assert backlog(stack_settings, topic, group) == {0: 0, 1: 0}
    produce(
        stack_settings, topic, [(b"one", json.dumps(reading(i)).encode(), {}) for i in range(90)]
    )
    before = backlog(stack_settings, topic, group)
    assert sorted(before.values()) == [0, 90]  # one key: one partition, never committed
    busy = next(p for p, n in before.items() if n)
    with KafkaPartition(stack_settings, topic, busy, group) as log:
        log.commit(60, "test")
    assert backlog(stack_settings, topic, group) == {busy: 30, 1 - busy: 0}
    target = buckets(stack_settings, unique)
    with KafkaPartition(stack_settings, topic, busy, group) as log:
        land_partition(log, S3Store(stack_settings), target, energy)
    assert backlog(stack_settings, topic, group) == {0: 0, 1: 0}
