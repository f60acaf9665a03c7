"""Kafka topics of the contracts: one per contract major version, with the contract's partitions."""

from __future__ import annotations

from collections.abc import Iterable

from assay.config import Settings
from assay.errors import KafkaUnavailable
from producers.security import kafka_python_security
from schemas import Contract, topic_name


def ensure_topics(settings: Settings, contracts: Iterable[Contract]) -> dict[str, str]:
    """Create missing topics; say per topic "created", "exists" or how its partitions differ."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import KafkaError

    wanted = {topic_name(c): c.partitions for c in contracts}
    security = kafka_python_security(settings.kafka_security())
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.bootstrap, client_id="assay-topics", **security
        )
    except KafkaError as exc:
        raise KafkaUnavailable(
            ",".join(wanted), f"cannot reach {settings.bootstrap}: {exc}"
        ) from exc
    try:
        existing = _partition_counts(admin, set(admin.list_topics()) & set(wanted))
        missing = [
            NewTopic(t, num_partitions=n, replication_factor=1)
            for t, n in wanted.items()
            if t not in existing
        ]
        if missing:
            admin.create_topics(missing)
    except KafkaError as exc:
        raise KafkaUnavailable(",".join(wanted), str(exc)) from exc
    finally:
        admin.close()
    return {t: _state(existing.get(t), n) for t, n in wanted.items()}


def _partition_counts(admin: object, topics: set[str]) -> dict[str, int]:
    if not topics:
        return {}
    described = admin.describe_topics(sorted(topics))  # type: ignore[attr-defined]
    return {d["name"]: len(d["partitions"]) for d in described}


def _state(have: int | None, want: int) -> str:
    if have is None:
        return "created"
    return "exists" if have == want else f"exists with {have} partitions (contract wants {want})"
