"""The pipeline benchmark's inputs and scratch space: topics, buckets, and a produced backlog.

Readings come from ``validators.sample_table`` (clean for the contract), become edge
``Reading`` objects and are encoded by the edge's own ``Encoder`` (one JSON message per
reading, or one Arrow frame per device and ``frame_size`` readings) with the edge's headers.
They are sent with librdkafka (the fastest producer at hand: producing is not what this
benchmark measures) to an explicit partition, one producer id and device set per partition,
lz4 as the edge sends. Everything created here has a unique name and is deleted by `Scratch`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from assay.config import Settings
from assay.store.objects import s3_client
from producers import Encoder, Reading
from producers.encoding import Message, epoch_ms, headers
from schemas import Contract
from validators import sample_table

BASE_ROWS = 100_000
DEVICES = 10
ROLES = ("raw", "deadletter", "curated", "quarantine", "reports")


def tag() -> str:
    """A short unique name part."""
    return uuid.uuid4().hex[:8]


@dataclass
class Scratch:
    """Topics, buckets and consumer groups made by one benchmark run, removed by `clean`."""

    settings: Settings
    run: str = field(default_factory=tag)
    topics: list[str] = field(default_factory=list)
    buckets: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    def topic(self, name: str, partitions: int) -> str:
        """A new topic ``bench.pipeline.<run>.<name>``."""
        from kafka.admin import KafkaAdminClient, NewTopic

        topic = f"bench.pipeline.{self.run}.{name}"
        admin = KafkaAdminClient(bootstrap_servers=self.settings.bootstrap, **self._security())
        try:
            admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
        finally:
            admin.close()
        self.topics.append(topic)
        return topic

    def _security(self) -> dict[str, object]:
        from schemas.kafka_security import kafka_python_security

        return kafka_python_security(self.settings.kafka_security())

    def group(self, name: str) -> str:
        """A consumer group name nobody used before (deleted at the end)."""
        group = f"bench-pipeline-{self.run}-{name}-{tag()}"
        self.groups.append(group)
        return group

    def bucket_set(self) -> dict[str, str]:
        """One fresh bucket per pipeline role: ``{"raw": ..., "curated": ..., ...}``."""
        client, suffix = s3_client(self.settings), tag()
        made = {role: f"bp-{self.run}-{suffix}-{role}" for role in ROLES}
        for bucket in made.values():
            client.make_bucket(bucket)
            self.buckets.append(bucket)
        return made

    def drop_buckets(self, made: dict[str, str]) -> None:
        """Delete one bucket set now (a long run would otherwise fill the disk)."""
        client = s3_client(self.settings)
        for bucket in made.values():
            _drop_bucket(client, bucket)
            self.buckets.remove(bucket)

    def clean(self) -> None:
        """Delete every bucket (with its objects), consumer group and topic made here."""
        client = s3_client(self.settings)
        for bucket in self.buckets:
            _drop_bucket(client, bucket)
        from kafka.admin import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=self.settings.bootstrap, **self._security())
        try:
            if self.groups:
                _quietly(admin.delete_groups, self.groups)
            if self.topics:
                _quietly(admin.delete_topics, self.topics)
        finally:
            admin.close()
        self.buckets, self.groups, self.topics = [], [], []


def _drop_bucket(client: Any, bucket: str) -> None:
    from minio.deleteobjects import DeleteObject

    if not client.bucket_exists(bucket):
        return
    names = [DeleteObject(o.object_name) for o in client.list_objects(bucket, recursive=True)]
    for error in client.remove_objects(bucket, names):
        print(f"could not delete {bucket}/{error.name}: {error.message}")
    client.remove_bucket(bucket)


def _quietly(call: Any, names: list[str]) -> None:
    try:
        call(names)
    except Exception as exc:  # cleanup must not hide the run's results
        print(f"cleanup: {call.__name__}: {exc}")


@dataclass(frozen=True)
class Backlog:
    """What was produced to one partition."""

    partition: int
    readings: int
    messages: int
    bytes: int


def base_readings(contract: Contract) -> list[Reading]:
    """``BASE_ROWS`` clean readings of ``DEVICES`` devices, in event-time order."""
    table = sample_table(contract, BASE_ROWS, devices=DEVICES)
    values = table.select([n for n in table.column_names if n in contract.fields]).to_pylist()
    devices = table["device_id"].to_pylist()
    # Every device samples at 100 Hz (sample_table's 10 s period is set by the contract's gap
    # rule): a 10,000-reading frame then spans 100 s, not 28 hours, and passes timeliness.
    start = table[contract.event_time][0].as_py()
    times = [start + timedelta(milliseconds=i * 10 // DEVICES) for i in range(len(devices))]
    return [Reading(contract.name, d, t, v) for d, t, v in zip(devices, times, values, strict=True)]


def readings(base: list[Reading], partition: int, n: int) -> Iterator[list[Reading]]:
    """``n`` readings for one partition in blocks of ``len(base)``: the base, its devices
    renamed per partition, shifted in event time block by block so time only moves on."""
    span = base[-1].event_time - base[0].event_time + timedelta(seconds=1)
    done, block = 0, 0
    while done < n:
        take = base[: n - done]
        shift = span * block
        yield [
            Reading(r.contract, f"p{partition}-{r.device_id}", r.event_time + shift, r.values)
            for r in take
        ]
        done, block = done + len(take), block + 1


def messages(
    encoder: Encoder, blocks: Iterator[list[Reading]], frame_size: int | None
) -> Iterator[Message]:
    """Encode blocks of readings: one JSON message each, or one frame per device and size."""
    seq = 0
    for block in blocks:
        if frame_size is None:
            for reading in block:
                yield encoder.json(reading, seq, _ingest_ms(reading))
                seq += 1
            continue
        by_device: dict[str, list[Reading]] = {}
        for reading in block:
            by_device.setdefault(reading.device_id, []).append(reading)
        for group in by_device.values():
            for start in range(0, len(group), frame_size):
                chunk = group[start : start + frame_size]
                yield encoder.frame(chunk, seq, _ingest_ms(chunk[-1]))
                seq += len(chunk)


def _ingest_ms(reading: Reading) -> int:
    """A second after the event, as ``sample_table`` has it (a clean, timely reading)."""
    return epoch_ms(reading.event_time) + 1000


def produce(
    settings: Settings,
    topic: str,
    partition: int,
    stream: Iterator[Message],
    producer_id: str,
) -> Backlog:
    """Send every message to one partition and wait for all acknowledgements."""
    from confluent_kafka import Producer

    from schemas.kafka_security import librdkafka_security

    producer = Producer(
        {
            **librdkafka_security(settings.kafka_security()),
            "bootstrap.servers": settings.bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "compression.type": "lz4",
            "linger.ms": 20,
            "batch.size": 1024 * 1024,
            "message.max.bytes": 16 * 1024 * 1024,
            "queue.buffering.max.kbytes": 1_048_576,
        }
    )
    failures: list[object] = []
    readings_sent = messages_sent = size = 0
    for m in stream:
        _send(producer, topic, partition, m, headers(m, producer_id, False), failures)
        readings_sent += m.count
        messages_sent += 1
        size += len(m.value)
    producer.flush(600)
    if failures:
        raise RuntimeError(f"{len(failures)} sends failed, first: {failures[0]}")
    return Backlog(partition, readings_sent, messages_sent, size)


def _send(
    producer: Any, topic: str, partition: int, m: Message, sent: list, failures: list
) -> None:
    def delivered(err: object, _msg: object) -> None:
        if err is not None:
            failures.append(err)

    while True:
        try:
            producer.produce(
                topic, m.value, m.key, partition=partition, headers=sent, on_delivery=delivered
            )
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)


def fill(
    settings: Settings,
    contract: Contract,
    topic: str,
    partitions: list[int],
    readings_per_partition: int,
    frame_size: int | None,
    base: list[Reading],
) -> list[Backlog]:
    """Produce ``readings_per_partition`` readings to each of ``partitions``."""
    out = []
    for p in partitions:
        producer_id = f"bench-gw-{p}"
        encoder = Encoder(contract, producer_id, "sz-plant-1")
        stream = messages(encoder, readings(base, p, readings_per_partition), frame_size)
        out.append(produce(settings, topic, p, stream, producer_id))
    return out
