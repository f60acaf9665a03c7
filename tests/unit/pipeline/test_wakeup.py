"""The watcher's Kafka connection: settings librdkafka accepts, and a short poll interval."""

from __future__ import annotations

from confluent_kafka import Consumer

from assay.pipeline.airflow import wakeup


def test_the_watcher_connection_is_a_valid_librdkafka_consumer_config() -> None:
    extra = wakeup.connection("127.0.0.1:1", "energy_meter")["extra"]
    consumer = Consumer(extra)  # raises KafkaException on an unknown or inconsistent setting
    consumer.close()
    assert extra["group.id"] == "assay-wakeup.energy_meter"
    assert extra["enable.auto.commit"] is False and extra["auto.offset.reset"] == "latest"


def test_a_fired_watcher_leaves_its_group_in_seconds_not_minutes() -> None:
    extra = wakeup.connection("127.0.0.1:1", "energy_meter")["extra"]
    assert extra["session.timeout.ms"] <= extra["max.poll.interval.ms"] <= 60_000
