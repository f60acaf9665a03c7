"""A topic and a set of buckets of one's own on the real stack, and the audit over them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from assay.config import Settings
from assay.govern.audit import Audit, audit, kafka_offsets
from assay.pipeline import problems
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import Buckets, MemoryPartition
from assay.pipeline.validate import curation
from assay.store import layout
from assay.store.objects import S3Store, s3_client
from schemas import Contract, load_contract, wire
from schemas.kafka_security import kafka_python_security

ENERGY: Contract = load_contract("energy_meter")


def reading(i: int) -> dict[str, object]:
    """A valid energy_meter reading, seq ``i``."""
    return {
        "producer_id": "edge-faults",
        "seq": i,
        "site": "plant-a",
        "device_id": f"meter-{i % 4}",
        "event_time": f"2026-03-01T{8 + i // 3600 % 12:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
        "ingest_time": f"2026-03-01T{8 + i // 3600 % 12:02d}:{i // 60 % 60:02d}:{i % 60:02d}.200Z",
        "active_power": 40.0 + i % 9,
        "active_energy": 100.0 + i,
        "voltage_l1": 229.5,
        "current_l1": 60.0,
        "power_factor": 0.93,
        "frequency": 50.01,
    }


def edge_log(topic: str, contract: str, readings: Iterable[dict[str, Any]]) -> MemoryPartition:
    """JSON readings from offset 0 of one Kafka partition, in memory, with the edge's headers."""
    headers = (
        (wire.HEADER_CONTRACT, contract.encode()),
        (wire.HEADER_VERSION, b"1.0.0"),
        (wire.HEADER_CONTENT_TYPE, wire.JSON.encode()),
    )
    return MemoryPartition(
        [
            Record(topic, 0, n, 0, b"imm", json.dumps(value).encode(), headers)
            for n, value in enumerate(readings)
        ]
    )


@dataclass(frozen=True)
class World:
    """One topic (one partition), one ingest group and the five buckets of a test."""

    settings: Settings
    topic: str
    group: str
    land: Buckets
    all: curation.Buckets

    @property
    def store(self) -> S3Store:
        return S3Store(self.settings)

    def produce(self, seqs: range) -> None:
        """Send readings with these seqs, acks=all."""
        producer = KafkaProducer(
            bootstrap_servers=self.settings.bootstrap,
            acks="all",
            linger_ms=20,
            **kafka_python_security(self.settings.kafka_security()),
        )
        headers = [(wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0")]
        for i in seqs:
            producer.send(self.topic, json.dumps(reading(i)).encode(), key=b"k", headers=headers)
        producer.flush(60)
        producer.close()

    def audit(self) -> Audit:
        """`assay audit` of this world: the same check, on this topic, group and buckets."""
        offsets = kafka_offsets(self.settings, self.topic, self.group)
        return audit(self.store, self.all, self.land.deadletter, ENERGY, offsets)

    def tiles(self) -> list[tuple[int, int]]:
        """Every raw segment and loss record of partition 0 as (start, end), in order."""
        store, prefix = self.store, layout.partition_prefix(ENERGY.name, ENERGY.major, 0)
        ranges = []
        for key in store.keys(self.land.raw, prefix):
            meta = store.head(self.land.raw, key) or {}
            ranges.append((int(meta["start-offset"]), int(meta["end-offset"])))
        ranges += [(x.start, x.end) for x in problems.losses(store, self.land.raw, ENERGY, 0)]
        return sorted(ranges)


def make_world(
    settings: Settings, tag: str, *, topic_config: dict[str, str] | None = None
) -> World:
    """A fresh one-partition topic, group and buckets named after ``tag``."""
    topic = f"test.faults.{tag}"
    admin = KafkaAdminClient(
        bootstrap_servers=settings.bootstrap, **kafka_python_security(settings.kafka_security())
    )
    try:
        admin.create_topics(
            [
                NewTopic(
                    topic,
                    num_partitions=1,
                    replication_factor=settings.kafka_replication,
                    topic_configs=topic_config or {},
                )
            ]
        )
    finally:
        admin.close()
    names = {
        r: f"it-{r[:4]}-{tag}" for r in ("raw", "deadletter", "curated", "quarantine", "reports")
    }
    client = s3_client(settings)
    for bucket in names.values():
        client.make_bucket(bucket)
    land = Buckets(raw=names["raw"], deadletter=names["deadletter"], reports=names["reports"])
    every = curation.Buckets(
        raw=names["raw"],
        curated=names["curated"],
        quarantine=names["quarantine"],
        reports=names["reports"],
    )
    return World(settings, topic, f"it-{tag}", land, every)


def assert_tiled(world: World, upto: int) -> None:
    """Raw segments and loss records cover 0..upto with no gap and no overlap."""
    ranges = world.tiles()
    starts = [s for s, _ in ranges]
    assert starts == [0, *(e for _, e in ranges[:-1])], ranges
    assert ranges[-1][1] == upto, ranges
