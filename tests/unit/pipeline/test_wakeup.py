"""The watcher's Kafka connection: settings librdkafka accepts, and a short poll interval."""

from __future__ import annotations

from pathlib import Path

from confluent_kafka import Consumer

from assay.devstack.stack.kafka_tls import ensure_tls
from assay.pipeline.airflow import wakeup
from schemas.kafka_security import KafkaSecurity, librdkafka_security

PLAIN = KafkaSecurity()


def test_the_watcher_connection_is_a_valid_librdkafka_consumer_config() -> None:
    extra = wakeup.connection("127.0.0.1:1", "energy_meter", PLAIN)["extra"]
    consumer = Consumer(extra)  # raises KafkaException on an unknown or inconsistent setting
    consumer.close()
    assert extra["group.id"] == "assay-wakeup.energy_meter"
    assert extra["enable.auto.commit"] is False and extra["auto.offset.reset"] == "latest"


def test_a_secured_watcher_connects_with_the_security_block(tmp_path: Path) -> None:
    ca = ensure_tls(tmp_path / "tls").ca
    security = KafkaSecurity(protocol="SASL_SSL", username="watcher", password="pw", ca_file=ca)
    extra = wakeup.connection("127.0.0.1:1", "energy_meter", security)["extra"]
    assert librdkafka_security(security).items() <= extra.items()
    Consumer(extra).close()  # librdkafka loads the CA and checks the SASL settings


def test_a_fired_watcher_leaves_its_group_in_seconds_not_minutes() -> None:
    extra = wakeup.connection("127.0.0.1:1", "energy_meter", PLAIN)["extra"]
    assert extra["session.timeout.ms"] <= extra["max.poll.interval.ms"] <= 60_000


def test_a_watcher_sees_a_partition_added_to_its_topic_within_a_minute() -> None:
    extra = wakeup.connection("127.0.0.1:1", "energy_meter", PLAIN)["extra"]
    assert extra["topic.metadata.refresh.interval.ms"] <= 60_000
