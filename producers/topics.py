"""Create each contract's Kafka topic with the contract's partition count.

API (``assay topics ensure`` may call it too)::

    ensure_topics("127.0.0.1:9092", contracts, replication_factor=1, security=None)
        -> list[TopicState]

Existing topics are left as they are and reported with their partition count, so a mismatch
is visible (Kafka can add partitions but never remove them; that is an operator's decision).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from producers.errors import SinkError
from producers.sink import translate_kafka_error
from schemas import Contract, topic_name
from schemas.kafka_security import KafkaSecurity, kafka_python_security

__all__ = ["TopicState", "ensure_topics"]


@dataclass(frozen=True)
class TopicState:
    """One topic after ``ensure_topics``: its partitions and whether it was created now."""

    topic: str
    partitions: int
    wanted: int
    created: bool

    @property
    def matches(self) -> bool:
        """True when the topic has the contract's partition count."""
        return self.partitions == self.wanted


def ensure_topics(
    bootstrap: str,
    contracts: Iterable[Contract],
    replication_factor: int = 1,
    timeout_ms: int = 15_000,
    security: KafkaSecurity | None = None,
) -> list[TopicState]:
    """Create missing topics; report every topic's partitions."""
    from kafka.admin import KafkaAdminClient, NewTopic

    wanted = {topic_name(c): c.partitions for c in contracts}
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap.split(","),
            request_timeout_ms=timeout_ms,
            **kafka_python_security(security or KafkaSecurity()),
        )
    except Exception as exc:
        raise translate_kafka_error(bootstrap, exc) from exc
    try:
        existing = _partitions(admin, list(wanted))
        missing = [
            NewTopic(t, n, replication_factor) for t, n in wanted.items() if t not in existing
        ]
        if missing:
            _create(admin, missing)
        created = {t.name for t in missing}
        existing = _partitions(admin, list(wanted))
    finally:
        admin.close()
    return [TopicState(t, existing.get(t, 0), n, t in created) for t, n in wanted.items()]


def _create(admin: object, topics: list[object]) -> None:
    from kafka.errors import TopicAlreadyExistsError

    try:
        admin.create_topics(topics, timeout_ms=15_000)  # type: ignore[attr-defined]
    except TopicAlreadyExistsError:
        pass  # someone else created it meanwhile: fine
    except Exception as exc:
        raise SinkError(",".join(t.name for t in topics), f"cannot create: {exc}") from exc  # type: ignore[attr-defined]


def _partitions(admin: object, topics: list[str]) -> dict[str, int]:
    listed = set(admin.list_topics())  # type: ignore[attr-defined]
    present = [t for t in topics if t in listed]
    if not present:
        return {}
    described = admin.describe_topics(present)  # type: ignore[attr-defined]
    return {
        d.get("name", d.get("topic")): len(d["partitions"])
        for d in described
        if not d.get("error_code")
    }
