"""A resend goes to the partition of its first send, even after partitions were added.

Deduplication is per partition, so a spooled reading resent to the device's new partition
would be curated twice. The sender sends every keyed message to an explicit partition and the
spool keeps the partition count of the first send; both clients' own partitioners agree with
that choice, so a first send lands where it always did.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka.partitioner import DefaultPartitioner
from kafka.partitioner.default import murmur2 as kafka_python_murmur2

from producers import Encoder, MemoryTransport, Sender, SinkUnavailable, Spool
from producers import librdkafka as rdk
from producers._keyhash import murmur2, partition_for
from producers._transport import KafkaSettings
from schemas import load_contract

from .conftest import reading
from .test_partitioner import Cluster

devices = st.lists(st.from_regex(r"[a-z]{1,3}-[0-9]{1,4}", fullmatch=True), min_size=1, max_size=12)
counts = st.integers(1, 12)
added = st.integers(1, 12)
ENCODER = Encoder(load_contract("energy_meter"), producer_id="gw-01", site="plant-a")


@given(st.binary(max_size=64))
def test_murmur2_is_kafkas(data: bytes) -> None:
    assert murmur2(data) == kafka_python_murmur2(data)


@given(st.binary(min_size=1, max_size=40), counts)
def test_a_key_goes_where_kafka_pythons_default_partitioner_puts_it(key: bytes, n: int) -> None:
    expected = DefaultPartitioner().partition("t", key, key, b"v", b"v", Cluster(n))
    assert partition_for(key, n) == expected
    assert partition_for(None, n) is None  # keyless: the client spreads them as before


def spooled(folder: str, keys: list[str], first: int = 0) -> Spool:
    spool = Spool(Path(folder) / "spool.db", "gw-01")
    append(spool, keys, first)
    return spool


def append(spool: Spool, keys: list[str], first: int) -> None:
    spool.append(
        [ENCODER.json(reading(first + i, device=k), first + i, 0) for i, k in enumerate(keys)]
    )


def drain(spool: Spool, transport: MemoryTransport) -> Sender:
    sender = Sender(spool, lambda: transport, "gw-01", backoff=(0.0, 0.0), fetch=5)
    for _ in range(40):
        sender.step()
    return sender


def where(transport: MemoryTransport, replay: str) -> dict[int, tuple[bytes, int | None]]:
    """seq: (key, partition) of the messages sent with the replay flag ``replay``."""
    return {
        int(m.headers["seq"]): (m.key or b"", m.partition)
        for m in transport.sent
        if m.headers["replay"] == replay
    }


def lose_acks(spool: Spool, transport: MemoryTransport) -> Sender:
    """Send everything spooled, then lose every ack (the broker may have the messages)."""
    transport.hold = True
    sender = drain(spool, transport)
    transport.release(SinkUnavailable("t", "acks lost"))
    transport.hold = False
    return sender


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(devices, devices, counts, added)
def test_resends_after_partitions_were_added_go_to_the_first_partition(
    keys: list[str], later: list[str], n: int, more: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        spool, transport = spooled(folder, keys), MemoryTransport()
        transport.partition_count = n
        sender = lose_acks(spool, transport)
        first = where(transport, "0")
        transport.partition_count = n + more  # the operator grows the topic
        append(spool, later, len(keys))  # new readings share the resends' batches
        for _ in range(40):
            sender.step()
        assert spool.readings == 0
        assert where(transport, "1") == {s: first[s] for s in range(len(keys))}
        assert all(p == partition_for(k, n) for k, p in first.values())
        fresh = {s: kp for s, kp in where(transport, "0").items() if s >= len(keys)}
        assert all(p == partition_for(k, n + more) for k, p in fresh.values())
        spool.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(devices, counts, added)
def test_after_a_crash_the_spool_remembers_the_first_partition(
    keys: list[str], n: int, more: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        spool, transport = spooled(folder, keys), MemoryTransport()
        transport.partition_count, transport.hold = n, True
        drain(spool, transport)  # sent, never acked: then the process dies
        spool.close()
        reopened, fresh = Spool(Path(folder) / "spool.db", "gw-01"), MemoryTransport()
        fresh.partition_count = n + more
        drain(reopened, fresh)
        assert where(fresh, "1") == where(transport, "0")
        reopened.close()


def test_a_spool_from_before_the_partition_record_resends_as_before(tmp_path: Path) -> None:
    keys = [f"m-{i}" for i in range(20)]
    spool = spooled(str(tmp_path), keys)
    spool.mark_sent(0, len(keys) - 1)  # what an older edge did: no partition count kept
    spool.close()
    with sqlite3.connect(tmp_path / "spool.db") as db:
        db.execute("DROP TABLE sent_partitions")  # the schema of an older spool
    reopened, transport = Spool(tmp_path / "spool.db", "gw-01"), MemoryTransport()
    transport.partition_count = 7
    drain(reopened, transport)
    resent = where(transport, "1")
    assert len(resent) == len(keys)
    assert all(p == partition_for(k, 7) for k, p in resent.values())
    reopened.close()


def test_a_topic_recreated_with_fewer_partitions_gets_todays_count(tmp_path: Path) -> None:
    keys = [f"m-{i}" for i in range(20)]
    spool, transport = spooled(str(tmp_path), keys), MemoryTransport()
    transport.partition_count = 9
    lose_acks(spool, transport)
    transport.partition_count = 2  # a partition the first send used no longer exists
    drain(spool, transport)
    assert all(p == partition_for(k, 2) for k, p in where(transport, "1").values())


def test_without_a_partition_count_the_client_picks(tmp_path: Path) -> None:
    spool, transport = spooled(str(tmp_path), ["m-1", "m-2"]), MemoryTransport()
    transport.partition_count = None  # the client cannot say (a topic it may not describe)
    drain(spool, transport)
    assert [m.partition for m in transport.sent] == [None, None]


def test_a_metadata_outage_sends_nothing_and_rewinds(tmp_path: Path) -> None:
    spool, transport = spooled(str(tmp_path), ["m-1"]), MemoryTransport()

    def away(topic: str) -> int:
        raise SinkUnavailable(topic, "no metadata")

    transport.partitions = away  # type: ignore[method-assign]
    sender = Sender(spool, lambda: transport, "gw-01", backoff=(0.0, 0.0))
    sender.step()
    assert transport.sent == [] and spool.sent_through == -1
    assert sender.stats.last_error is not None and "no metadata" in str(sender.stats.last_error)


# librdkafka, against its in-process mock cluster (4 partitions per auto-created topic) --------
@pytest.fixture(scope="module")
def mock_librdkafka() -> Any:
    original = rdk.librdkafka_config

    def mocked(s: KafkaSettings) -> dict[str, object]:
        return original(s) | {"test.mock.num.brokers": 1}

    rdk.librdkafka_config = mocked  # type: ignore[assignment]
    try:
        transport = rdk.LibrdkafkaTransport(KafkaSettings(client="librdkafka"))
    finally:
        rdk.librdkafka_config = original
    yield transport
    transport.close(5)


def landed(
    transport: Any, monkeypatch: pytest.MonkeyPatch, sends: list[tuple[bytes, int | None]]
) -> list[tuple[bytes, int]]:
    """Send ``(key, partition)`` pairs; (key, partition) as librdkafka reports them delivered
    (sorted: reports of different partitions come in any order)."""
    got: list[tuple[bytes, int]] = []
    report = lambda done, error, message: got.append((message.key(), message.partition()))  # noqa: E731
    monkeypatch.setattr(rdk, "_report", report)
    for key, partition in sends:
        transport.send("t", key, b"v", [], lambda _: None, partition)
    transport.flush(10)
    return sorted(got)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.binary(min_size=1, max_size=24), min_size=1, max_size=30))
def test_librdkafkas_own_partitioner_agrees_and_explicit_partitions_are_kept(
    mock_librdkafka: Any, monkeypatch: pytest.MonkeyPatch, keys: list[bytes]
) -> None:
    n = mock_librdkafka.partitions("t")
    assert n == 4
    own = landed(mock_librdkafka, monkeypatch, [(k, None) for k in keys])
    assert own == sorted((k, partition_for(k, n)) for k in keys)
    elsewhere = [(k, ((partition_for(k, n) or 0) + 1) % n) for k in keys]
    assert landed(mock_librdkafka, monkeypatch, list(elsewhere)) == sorted(elsewhere)
