"""The remembering partitioner picks exactly what kafka-python's default partitioner picks."""

from __future__ import annotations

from kafka.partitioner import DefaultPartitioner

from producers._partitioner import KeyedPartitioner


class Cluster:
    """The three cluster calls a partitioner makes, for a topic of ``n`` partitions."""

    def __init__(self, n: int) -> None:
        self.n = n

    def topics(self) -> set[str]:
        return {"t"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(self.n))

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(self.n))


def test_same_partition_as_the_default_for_every_key_and_count() -> None:
    keyed, default = KeyedPartitioner(), DefaultPartitioner()
    for n in (1, 6, 7, 6):  # a changed partition count is asked again, not remembered
        cluster = Cluster(n)
        for i in range(500):
            key = f"em-{i:04d}".encode()
            for _ in range(2):  # the second time comes from memory
                got = keyed.partition("t", key, key, b"v", b"v", cluster)
                assert got == default.partition("t", key, key, b"v", b"v", cluster)


def test_keyless_messages_are_spread_as_before() -> None:
    cluster = Cluster(6)
    picked = {
        KeyedPartitioner().partition("t", None, None, b"v", b"v", cluster) for _ in range(200)
    }
    assert picked <= set(range(6)) and len(picked) > 1
