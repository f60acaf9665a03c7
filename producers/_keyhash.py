"""The partition of a key: murmur2, as Kafka's default partitioner computes it.

The sender sends every keyed message to an explicit partition, so that a resend can use the
partition count its first send used (``producers.spool``, "Partitions") instead of today's;
both transports then put it exactly there. The choice is the one kafka-python's
``DefaultPartitioner``, Java's and librdkafka's ``murmur2_random`` make for the same key and
count, so devices stay where they always were. Remembered per (key, count): a gateway has a
few thousand devices, and the hash is pure Python. Not kafka-python's own ``murmur2``: the edge
imports no Kafka client until it opens one.
"""

from __future__ import annotations

__all__ = ["murmur2", "partition_for"]

_M, _SEED, _MASK = 0x5BD1E995, 0x9747B28C, 0xFFFFFFFF
_MAX_KEYS = 100_000  # a bound, not a tuning knob: far above any gateway's device count
_chosen: dict[tuple[bytes, int], int] = {}


def partition_for(key: bytes | None, partitions: int) -> int | None:
    """The partition of ``key`` among ``partitions``; None without a key (the client picks)."""
    if key is None:
        return None
    memo = (key, partitions)
    found = _chosen.get(memo)
    if found is None:
        found = (murmur2(key) & 0x7FFFFFFF) % partitions
        if len(_chosen) >= _MAX_KEYS:
            _chosen.clear()
        _chosen[memo] = found
    return found


def murmur2(data: bytes) -> int:
    """Kafka's 32-bit murmur2 of ``data`` (``org.apache.kafka.common.utils.Utils.murmur2``)."""
    length = len(data)
    h = _SEED ^ length
    whole = length - length % 4
    for i in range(0, whole, 4):
        k = (int.from_bytes(data[i : i + 4], "little") * _M) & _MASK
        k = ((k ^ (k >> 24)) * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    h = _tail(h, data[whole:])
    h = ((h ^ (h >> 13)) * _M) & _MASK
    return h ^ (h >> 15)


def _tail(h: int, rest: bytes) -> int:
    """The last one to three bytes, mixed in as Java's switch falls through."""
    if not rest:
        return h
    return ((h ^ int.from_bytes(rest, "little")) * _M) & _MASK
