"""The smoke flow: a few readings through Kafka into Parquet on the S3 server, end to end.

It exercises the same path the pipeline takes — produce with acks=all and idempotence,
read a bounded offset range, write one Parquet object named after the records,
commit offsets only once the object exists — on a throwaway topic.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from assay.config import Settings
from assay.store.objects import ensure_buckets, s3_client
from producers.security import kafka_python_security

TOPIC = "assay.devstack.smoke.v1"
GROUP = "assay-smoke"


@dataclass(frozen=True)
class SmokeResult:
    """Where the smoke readings landed."""

    produced: int
    landed: int
    uri: str
    first_offset: int
    last_offset: int


def readings(count: int, start: datetime) -> list[dict[str, object]]:
    """``count`` energy-meter-like readings, one per second from ``start``."""
    return [
        {
            "device_id": f"meter-{i % 3:02d}",
            "seq": i,
            "event_time": (start + timedelta(seconds=i)).isoformat(),
            "active_power_kw": round(40.0 + (i % 7) * 1.5, 2),
        }
        for i in range(count)
    ]


def produce(settings: Settings, rows: list[dict[str, object]]) -> None:
    """Send rows as JSON with acks=all and idempotence, waiting for every ack."""
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    security = kafka_python_security(settings.kafka_security())
    admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap, **security)
    try:
        admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)])
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()
    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap,
        acks="all",
        enable_idempotence=True,
        compression_type="zstd",
        **security,
    )
    try:
        for row in rows:
            producer.send(TOPIC, json.dumps(row).encode(), key=str(row["device_id"]).encode())
        producer.flush(timeout=30)
    finally:
        producer.close()


def land(settings: Settings, max_records: int = 10_000) -> SmokeResult | None:
    """Read from the group's committed offset, write one Parquet object, then commit."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.consumer.fetcher import ConsumerRecord
    from kafka.structs import OffsetAndMetadata

    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap,
        group_id=GROUP,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **kafka_python_security(settings.kafka_security()),
    )
    try:
        tp = TopicPartition(TOPIC, 0)
        consumer.assign([tp])
        end = consumer.end_offsets([tp])[tp]
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + 30
        while consumer.position(tp) < end and len(records) < max_records:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {TOPIC} up to offset {end} within 30 s")
            for batch in consumer.poll(timeout_ms=1000).values():
                records.extend(batch)
        if not records:
            return None
        first, last = records[0].offset, records[-1].offset
        table = pa.Table.from_pylist([json.loads(r.value) for r in records])
        key = f"smoke/{TOPIC}+0+{first:020d}.parquet"
        _put_parquet(settings, key, table)
        consumer.commit({tp: OffsetAndMetadata(last + 1, "", -1)})
        return SmokeResult(
            len(records), table.num_rows, f"s3://{settings.bucket_raw}/{key}", first, last
        )
    finally:
        consumer.close()


def _put_parquet(settings: Settings, key: str, table: pa.Table) -> None:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    size = buffer.tell()
    buffer.seek(0)
    s3_client(settings).put_object(
        settings.bucket_raw, key, buffer, size, content_type="application/vnd.apache.parquet"
    )


def run(settings: Settings, count: int = 100) -> SmokeResult:
    """Produce ``count`` readings and land them; the result says where."""
    ensure_buckets(settings)
    start = datetime.now(UTC).replace(microsecond=0)
    produce(settings, readings(count, start))
    result = land(settings)
    if result is None:
        raise RuntimeError(f"produced {count} readings to {TOPIC} but read none back")
    return result
