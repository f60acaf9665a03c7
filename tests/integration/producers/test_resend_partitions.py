"""Resends after partitions were added reach the partition of their first send, on the broker.

A gateway spools readings and sends them; every acknowledgement is lost (the broker has the
records, the edge cannot know), so they stay spooled. An operator grows the topic from two
partitions to five with Kafka's admin API; the gateway reconnects and resends. Deduplication
is per partition, so every resent record must be on the partition its first copy is on — for
both clients — while readings spooled after the change go to their key's new partition.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from kafka.admin import KafkaAdminClient, NewPartitions, NewTopic

from producers import KafkaSettings, Sender, SinkUnavailable, Spool
from producers._keyhash import partition_for
from producers._transport import Delivery, Headers, Transport, WrappedTransport
from producers.sink import open_transport
from schemas.kafka_security import kafka_python_security

from .conftest import edge_security, reader, reading_security, wait_for
from .test_librdkafka_to_kafka import encoded

pytestmark = pytest.mark.integration

BEFORE, AFTER, FIRST, LATER = 2, 5, 60, 30  # partitions; readings sent before and after


class LosingAcks(WrappedTransport):
    """A transport whose messages reach Kafka but whose acknowledgements are all lost."""

    def __init__(self, inner: Transport) -> None:
        super().__init__(inner)
        self.lost = 0

    def send(self, topic: str, key: bytes | None, value: bytes, headers: Headers,
             done: Delivery, partition: int | None = None) -> None:  # fmt: skip
        def lose(error: object) -> None:
            assert error is None, error  # it did reach the broker
            self.lost += 1
            done(SinkUnavailable(topic, "the acknowledgement was lost"))

        self.inner.send(topic, key, value, headers, lose, partition)


@pytest.fixture
def topic(bootstrap: str) -> Iterator[str]:
    """A topic of its own (``assay.*``: the edge principal may write it), deleted at the end."""
    name = f"assay.it-resend-{uuid.uuid4().hex[:10]}.v1"
    admin = _admin(bootstrap)
    try:
        admin.create_topics([NewTopic(name, BEFORE, 1)])
        yield name
        admin.delete_topics([name])
    finally:
        admin.close()


def _admin(bootstrap: str) -> Any:
    security = kafka_python_security(reading_security(bootstrap))
    return KafkaAdminClient(bootstrap_servers=bootstrap, **security)


def grow(bootstrap: str, topic: str) -> None:
    """Add partitions as an operator does, and wait until a fresh client sees them."""
    admin = _admin(bootstrap)
    try:
        admin.create_partitions({topic: NewPartitions(total_count=AFTER)})
    finally:
        admin.close()

    def seen() -> bool:
        consumer = reader(bootstrap, topic)
        try:
            return len(consumer.partitions_for_topic(topic) or ()) == AFTER
        finally:
            consumer.close()

    assert wait_for(seen, 30)


def landed(bootstrap: str, topic: str, want: int) -> list[Any]:
    """Every record on ``topic``, until ``want`` of them or a minute."""
    consumer, found = reader(bootstrap, topic), []
    deadline = time.monotonic() + 60
    try:
        while len(found) < want and time.monotonic() < deadline:
            found.extend(consumer)
    finally:
        consumer.close()
    return found


@pytest.mark.parametrize("client", ["kafka-python", "librdkafka"])
def test_resends_after_partitions_were_added_stay_on_their_first_partition(
    tmp_path: Path, bootstrap: str, producer_id: str, topic: str, client: str
) -> None:
    settings = KafkaSettings(
        bootstrap=bootstrap,
        linger_ms=5,
        client=client,
        security=edge_security(bootstrap),  # type: ignore[arg-type]
    )
    spool = Spool(tmp_path / "spool.db", producer_id)
    spool.append([replace(m, topic=topic) for m in encoded(producer_id, FIRST, devices=12)])
    losing = LosingAcks(open_transport(settings))
    transports = iter([losing])
    sender = Sender(
        spool, lambda: next(transports, None) or open_transport(settings), producer_id,
        backoff=(0.0, 0.0),
    )  # fmt: skip
    assert wait_for(lambda: sender.step() is not None and losing.lost == FIRST, 60)
    assert spool.readings == FIRST  # nothing acknowledged: all of it will be resent

    grow(bootstrap, topic)
    later = encoded(producer_id, LATER, devices=12, first=FIRST)
    spool.append([replace(m, topic=topic) for m in later])
    assert wait_for(lambda: sender.step() is not None and spool.readings == 0, 60)
    sender.close(10)
    spool.close()

    records = landed(bootstrap, topic, 2 * FIRST + LATER)
    by_seq: dict[int, list[tuple[bool, bytes, int]]] = {}
    for r in records:
        heads = {k: v.decode() for k, v in r.headers}
        by_seq.setdefault(int(heads["seq"]), []).append(
            (heads["replay"] == "1", r.key, r.partition)
        )
    assert sorted(by_seq) == list(range(FIRST + LATER))
    for seq in range(FIRST):  # sent before the change, resent after it
        copies = sorted(by_seq[seq])
        assert [replay for replay, _, _ in copies] == [False, True], seq
        key = copies[0][1]
        assert {p for _, _, p in copies} == {partition_for(key, BEFORE)}, seq
    for seq in range(FIRST, FIRST + LATER):  # spooled after the change: the key's new partition
        [(replay, key, partition)] = by_seq[seq]
        assert not replay and partition == partition_for(key, AFTER), seq
    moved = {k for (_, k, _) in (c[0] for c in by_seq.values())}
    assert any(partition_for(k, BEFORE) != partition_for(k, AFTER) for k in moved)
