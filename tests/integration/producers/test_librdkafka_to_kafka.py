"""The librdkafka transport against the real broker: acks with headers intact, the partition
kafka-python picks for each key, a message Kafka never accepts parked, and a whole edge run."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from producers import (
    Encoder,
    KafkaSettings,
    KafkaTransport,
    LibrdkafkaTransport,
    Message,
    Reading,
    Sender,
    SinkError,
    Spool,
    headers,
)
from producers._partitioner import KeyedPartitioner
from producers.sink import Transport, open_transport
from schemas import load_contract

from .conftest import (
    assert_gap_free,
    consume,
    edge_security,
    reader,
    reading_security,
    topic_of,
    wait_for,
)

pytestmark = pytest.mark.integration

T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)
VALUES = {"circuit": "F-01", "active_power": 12.5, "voltage_l1": 230.1, "frequency": 50.0}


def encoded(producer_id: str, n: int, devices: int = 7, first: int = 0) -> list[Message]:
    """``n`` JSON messages from seq ``first``, keyed by ``devices`` devices in turn."""
    encoder = Encoder(load_contract("energy_meter"), producer_id, "plant-a")
    return [
        encoder.json(
            Reading("energy_meter", f"m-{i % devices}", T0 + timedelta(seconds=i), VALUES), i, 0
        )
        for i in range(first, first + n)
    ]


def records(bootstrap: str, topic: str, producers: set[str], want: int) -> list[Any]:
    """The raw records of ``producers`` on ``topic``, until ``want`` of them or a minute."""
    consumer = reader(bootstrap, topic)
    found: list[Any] = []
    deadline = time.monotonic() + 60
    try:
        while len(found) < want and time.monotonic() < deadline:
            for record in consumer:
                if dict(record.headers).get("producer_id", b"").decode() in producers:
                    found.append(record)
    finally:
        consumer.close()
    return found


def send_all(transport: Transport, messages: list[Message], producer_id: str) -> list[object]:
    """Send, wait for every report, close; the reports in the order they came."""
    reports: list[object] = []
    for m in messages:
        transport.send(m.topic, m.key, m.value, headers(m, producer_id, False), reports.append)
    transport.flush(30)
    assert wait_for(lambda: len(reports) == len(messages))
    transport.close(10)
    return reports


def test_messages_are_acknowledged_and_arrive_with_key_value_and_headers(
    bootstrap: str, producer_id: str
) -> None:
    messages = encoded(producer_id, 200)
    settings = KafkaSettings(
        bootstrap=bootstrap, linger_ms=5, client="librdkafka", security=edge_security(bootstrap)
    )
    assert send_all(LibrdkafkaTransport(settings), messages, producer_id) == [None] * 200
    got = {
        int(dict(r.headers)["seq"]): r
        for r in records(bootstrap, messages[0].topic, {producer_id}, 200)
    }
    assert sorted(got) == list(range(200))
    for m in messages:
        record = got[m.seq]
        assert (record.key, record.value) == (m.key, m.value)
        assert [(k, bytes(v)) for k, v in record.headers] == headers(m, producer_id, False)


def test_each_key_lands_on_the_partition_kafka_python_picks(bootstrap: str) -> None:
    run = uuid.uuid4().hex[:8]
    by_client = {f"rd-{run}": LibrdkafkaTransport, f"kp-{run}": KafkaTransport}
    devices = 300
    for producer_id, transport in by_client.items():
        settings = KafkaSettings(
            bootstrap=bootstrap, linger_ms=5, security=edge_security(bootstrap)
        )
        messages = encoded(producer_id, devices, devices=devices)
        assert send_all(transport(settings), messages, producer_id) == [None] * devices
    topic = topic_of("energy_meter")
    found = records(bootstrap, topic, set(by_client), 2 * devices)
    placed: dict[str, dict[bytes, int]] = {p: {} for p in by_client}
    for r in found:
        placed[dict(r.headers)["producer_id"].decode()][r.key] = r.partition
    librdkafka, kafka_python = placed.values()
    assert len(librdkafka) == devices and librdkafka == kafka_python
    count = len(_partitions(bootstrap, topic))
    expected = {key: _keyed(topic, key, count) for key in librdkafka}
    assert librdkafka == expected
    assert len(set(librdkafka.values())) == count  # 300 keys spread over every partition


def _partitions(bootstrap: str, topic: str) -> set[int]:
    from kafka import KafkaConsumer

    from schemas.kafka_security import kafka_python_security

    security = kafka_python_security(reading_security(bootstrap))
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, **security)
    try:
        return set(consumer.partitions_for_topic(topic) or ())
    finally:
        consumer.close()


def _keyed(topic: str, key: bytes, count: int) -> int:
    class Cluster:  # the calls kafka-python's partitioner makes of its metadata
        def topics(self) -> set[str]:
            return {topic}

        def partitions_for_topic(self, _topic: str) -> set[int]:
            return set(range(count))

        available_partitions_for_topic = partitions_for_topic

    return KeyedPartitioner().partition(topic, key, key, None, None, Cluster())


@pytest.mark.parametrize("client", ["librdkafka", "kafka-python"])
def test_a_message_over_max_request_size_is_terminal_and_parked(
    tmp_path: Path, bootstrap: str, producer_id: str, client: str
) -> None:
    settings = KafkaSettings(
        bootstrap=bootstrap,
        linger_ms=5,
        max_request_size=2048,
        client=client,  # type: ignore[arg-type]
        security=edge_security(bootstrap),
    )
    encoder = Encoder(load_contract("energy_meter"), producer_id, "plant-a")
    at = [T0 + timedelta(seconds=i) for i in range(200)]
    big = encoder.frame([Reading("energy_meter", "m-0", t, VALUES) for t in at], 1, 0)
    assert len(big.value) > 2 * 2048
    reports: list[SinkError | None] = []
    transport = open_transport(settings)
    transport.send(big.topic, big.key, big.value, headers(big, producer_id, False), reports.append)
    transport.close(10)
    assert len(reports) == 1 and isinstance(reports[0], SinkError)
    assert not reports[0].transient

    spool = Spool(tmp_path / "spool.db", producer_id)
    spool.append([*encoded(producer_id, 1), big, *encoded(producer_id, 1, first=201)])
    sender = Sender(spool, lambda: open_transport(settings), producer_id, backoff=(0.0, 0.0))

    def drained() -> bool:
        sender.step()
        return spool.readings == 0

    try:
        assert wait_for(drained, 60)
        sender.close(10)
        assert (sender.stats.parked_readings, sender.stats.acked_readings) == (200, 2)
        assert spool.stats().parked == 200
    finally:
        spool.close()
    got = consume(bootstrap, topic_of("energy_meter"), producer_id, 2)
    assert sorted({g.seq for g in got}) == [0, 201]


def test_an_edge_configured_for_librdkafka_delivers_gap_free(
    tmp_path: Path, bootstrap: str, edge_for, producer_id: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    lines = "".join(f"2025-03-01T08:00:{i % 60:02d}Z,m-{i % 4},{i}\n" for i in range(500))
    (folder / "a.csv").write_text("ts,meter,active_power\n" + lines)
    source = (
        f"  - {{name: mes, kind: csv, contract: energy_meter, folder: {folder},\n"
        "     device_column: meter, time_column: ts, poll_interval_s: 0.05}\n"
    )
    edge = edge_for(source, bootstrap, kafka=", client: librdkafka")
    edge.start()
    assert wait_for(lambda: edge.stats.acked_readings == 500)
    assert isinstance(edge.sender._transport, LibrdkafkaTransport)
    edge.stop()
    got = consume(bootstrap, topic_of("energy_meter"), producer_id, 500)
    assert_gap_free(got, 500)
    assert sorted(g.doc["active_power"] for g in got) == list(range(500))
