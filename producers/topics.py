"""Each contract's Kafka topic, with the contract's partitions and retention.

The one definition of a contract's topic, for the edge (``assay-edge topics ensure``) and
the platform (``assay topics ensure``, ``assay stack up``)::

    ensure_topics("127.0.0.1:9092", contracts, replication_factor=1, security=None)
        -> list[TopicState]

A missing topic is created with the contract's partitions and settings
(``schemas.topic_configs``: ``retention.ms`` from ``retention.kafka``); the platform adds the
compacted topic of the edge status reports (``schemas.edge_status``). An existing topic
gets the settings that differ (IncrementalAlterConfigs SET, so its other settings stay);
its partitions are only reported, since Kafka can add partitions but never remove them
(an operator's decision): a topic with more partitions than its contract's is as it should be
once an operator added them, and the pipeline lands, validates and audits every one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from producers.errors import SinkError
from producers.sink import translate_kafka_error
from schemas import Contract, edge_status, topic_configs, topic_name
from schemas.kafka_security import KafkaSecurity, kafka_python_security

__all__ = ["TopicState", "ensure_topics"]


@dataclass(frozen=True)
class TopicState:
    """One topic after ``ensure_topics``: partitions, settings, and what was done to it."""

    topic: str
    partitions: int
    wanted: int
    created: bool
    configs: dict[str, str] = field(default_factory=dict)
    altered: dict[str, str] = field(default_factory=dict)

    @property
    def matches(self) -> bool:
        """True when the topic has at least the partitions the contract creates it with: more
        were added by an operator (Kafka adds, never removes), and the pipeline follows them."""
        return self.partitions >= self.wanted

    @property
    def added(self) -> int:
        """Partitions added to the topic beyond the contract's count."""
        return max(0, self.partitions - self.wanted)


def ensure_topics(
    bootstrap: str,
    contracts: Iterable[Contract],
    replication_factor: int = 1,
    timeout_ms: int = 15_000,
    security: KafkaSecurity | None = None,
    status_topic: bool = False,
) -> list[TopicState]:
    """Create missing topics, bring settings in line; report every topic. ``status_topic``:
    the edge status reports' topic too (``schemas.edge_status``; the platform makes it)."""
    from kafka.admin import KafkaAdminClient

    wanted = {topic_name(c): (c.partitions, topic_configs(c)) for c in contracts}
    if status_topic:
        wanted[edge_status.TOPIC] = (edge_status.PARTITIONS, dict(edge_status.CONFIGS))
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap.split(","),
            request_timeout_ms=timeout_ms,
            **kafka_python_security(security or KafkaSecurity()),
        )
    except Exception as exc:
        raise translate_kafka_error(bootstrap, exc) from exc
    try:
        created = _create(admin, wanted, replication_factor, timeout_ms)
        altered = _align(admin, {t: c for t, (_, c) in wanted.items() if t not in created})
        existing = _partitions(admin, list(wanted))
        configs = _configs(admin, list(existing), [k for _, c in wanted.values() for k in c])
    finally:
        admin.close()
    return [
        TopicState(t, existing.get(t, 0), n, t in created, configs.get(t, {}), altered.get(t, {}))
        for t, (n, _) in wanted.items()
    ]


def _create(
    admin: Any, wanted: dict[str, tuple[int, dict[str, str]]], replication: int, timeout_ms: int
) -> set[str]:
    """Create the topics not there yet, with their settings; the names created."""
    from kafka.errors import TopicAlreadyExistsError

    present = set(_partitions(admin, list(wanted)))
    missing = {
        t: {"num_partitions": n, "replication_factor": replication, "configs": c}
        for t, (n, c) in wanted.items()
        if t not in present
    }
    if not missing:
        return set()
    try:
        admin.create_topics(missing, timeout_ms=timeout_ms)
    except TopicAlreadyExistsError:
        return set()  # someone else created them meanwhile: settings are aligned below
    except Exception as exc:
        raise SinkError(",".join(missing), f"cannot create: {exc}") from exc
    return set(missing)


def _align(admin: Any, wanted: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Set each setting that differs from the contract's; the settings changed per topic."""
    from kafka.admin import ConfigResource, ConfigResourceType

    have = _configs(admin, list(wanted), [k for c in wanted.values() for k in c])
    changes = {
        t: {k: v for k, v in c.items() if have.get(t, {}).get(k) != v}
        for t, c in wanted.items()
        if t in have
    }
    changes = {t: c for t, c in changes.items() if c}
    if changes:
        resources = [
            ConfigResource(ConfigResourceType.TOPIC, t, configs=c) for t, c in changes.items()
        ]
        try:
            result = admin.alter_configs(resources, incremental=True)
        except Exception as exc:
            raise SinkError(",".join(changes), f"cannot alter settings: {exc}") from exc
        failed = {t: r for t, r in result.get("topic", {}).items() if r != "OK"}
        if failed:
            raise SinkError(",".join(failed), f"cannot alter settings: {failed}")
    return changes


def _configs(admin: Any, topics: list[str], keys: list[str]) -> dict[str, dict[str, str]]:
    """The current value of ``keys`` on each topic (broker defaults included)."""
    from kafka.admin import ConfigResource, ConfigResourceType

    if not topics:
        return {}
    wanted = dict.fromkeys(keys)
    resources = [ConfigResource(ConfigResourceType.TOPIC, t, configs=dict(wanted)) for t in topics]
    described = admin.describe_configs(resources, config_filter="all").get("topic", {})
    # A principal without DescribeConfigs (a gateway's) gets no settings back: such a topic
    # is left as it is and reported without them, rather than failing the whole call.
    return {t: {k: c["value"] for k, c in cs.items()} for t, cs in described.items() if cs}


def _partitions(admin: Any, topics: list[str]) -> dict[str, int]:
    listed = set(admin.list_topics())
    present = [t for t in topics if t in listed]
    if not present:
        return {}
    described = admin.describe_topics(present)
    return {
        d.get("name", d.get("topic")): len(d["partitions"])
        for d in described
        if not d.get("error_code")
    }
