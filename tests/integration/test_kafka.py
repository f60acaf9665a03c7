"""A produce/consume round trip on a fresh topic of the real broker."""

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from assay.config import Settings
from schemas.kafka_security import kafka_python_security

pytestmark = pytest.mark.integration


def test_round_trip_acks_all_idempotent(stack_settings: Settings, unique: str) -> None:
    topic = f"test.roundtrip.{unique}"
    security = kafka_python_security(stack_settings.kafka_security())
    admin = KafkaAdminClient(bootstrap_servers=stack_settings.bootstrap, **security)
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    admin.close()

    producer = KafkaProducer(
        bootstrap_servers=stack_settings.bootstrap,
        acks="all",
        enable_idempotence=True,
        compression_type="zstd",
        **security,
    )
    sent = [
        producer.send(
            topic,
            f"reading-{i}".encode(),
            key=f"dev-{i % 4}".encode(),
            headers=[("contract", b"energy_meter"), ("seq", str(i).encode())],
        )
        for i in range(200)
    ]
    producer.flush(30)
    metadata = [f.get(timeout=30) for f in sent]
    producer.close()
    assert {m.partition for m in metadata} == {0, 1}

    consumer = KafkaConsumer(
        bootstrap_servers=stack_settings.bootstrap,
        group_id=None,
        enable_auto_commit=False,
        **security,
    )
    parts = [TopicPartition(topic, p) for p in (0, 1)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    got = []
    for _ in range(30):
        for batch in consumer.poll(timeout_ms=1000).values():
            got.extend(batch)
        if len(got) >= 200:
            break
    consumer.close()

    assert sorted(r.value for r in got) == sorted(f"reading-{i}".encode() for i in range(200))
    # Same key, same partition: per-device order is what downstream relies on.
    by_key: dict[bytes, set[int]] = {}
    for record in got:
        by_key.setdefault(record.key, set()).add(record.partition)
    assert all(len(partitions) == 1 for partitions in by_key.values())
    assert dict(got[0].headers)["contract"] == b"energy_meter"
