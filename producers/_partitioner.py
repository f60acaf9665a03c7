"""kafka-python's default partitioner, computed once per key instead of once per message.

The edge keys every message by ``device_id`` and a gateway has a few thousand devices at most,
so the murmur2 hash (pure Python in kafka-python, ~10 µs a message with its bookkeeping) is
worth remembering. The answer is kafka-python's own ``DefaultPartitioner``'s for the same key
and partition count, so keys land where they always did; a message without a key, or a topic
whose partition count changed, is asked of it again. It decides only where the sender names no
partition (``producers._keyhash``). Imported only by ``KafkaTransport``: the module imports
kafka-python.
"""

from __future__ import annotations

from typing import Any

from kafka.partitioner import DefaultPartitioner

__all__ = ["KeyedPartitioner"]

_MAX_KEYS = 100_000  # a bound, not a tuning knob: far above any gateway's device count


class KeyedPartitioner(DefaultPartitioner):
    """``DefaultPartitioner`` with a per-(topic, key, partition count) memory."""

    def __init__(self) -> None:
        super().__init__()
        self._known: dict[tuple[str, bytes, int], int] = {}

    def partition(
        self,
        topic: str,
        key: Any,
        serialized_key: bytes | None,
        value: Any,
        serialized_value: Any,
        cluster: Any,
    ) -> int:
        """The partition kafka-python's default partitioner picks for this key."""
        if serialized_key is None:
            return int(super().partition(topic, key, None, value, serialized_value, cluster))
        partitions = cluster.partitions_for_topic(topic)
        memo = (topic, serialized_key, len(partitions) if partitions else 0)
        found = self._known.get(memo)
        if found is None:
            found = int(
                super().partition(topic, key, serialized_key, value, serialized_value, cluster)
            )
            if len(self._known) >= _MAX_KEYS:
                self._known.clear()
            self._known[memo] = found
        return found
