"""Kafka topics of the contracts, as the platform reports them; the edge's one definition.

Topic creation and settings live in ``producers.topics`` (factory IT runs it from a gateway
too; ``assay topics ensure`` and ``assay stack up`` call it here); this module only
translates its states and errors into the platform's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from assay.config import Settings
from assay.errors import KafkaUnavailable
from schemas import Contract, topic_name

if TYPE_CHECKING:
    from producers.topics import TopicState


def ensure_topics(settings: Settings, contracts: Iterable[Contract]) -> dict[str, str]:
    """Create or align every contract's topic and the edge status reports' topic
    (``schemas.edge_status``); say per topic what was done."""
    from producers import EdgeError
    from producers import ensure_topics as ensure

    contracts = list(contracts)
    try:
        states = ensure(
            settings.bootstrap,
            contracts,
            replication_factor=settings.kafka_replication,
            security=settings.kafka_security(),
            status_topic=True,
        )
    except EdgeError as exc:
        topics = ",".join(topic_name(c) for c in contracts)
        raise KafkaUnavailable(topics, f"cannot reach {settings.bootstrap}: {exc}") from exc
    return {s.topic: describe(s) for s in states}


def describe(state: TopicState) -> str:
    """``created``, ``exists`` or how its partitions differ, what was set, and the retention
    it has now."""
    if state.created:
        said = "created"
    elif state.added:
        said = f"exists; {state.added} partitions added to the contract's {state.wanted}"
    elif state.matches:
        said = "exists"
    else:
        said = f"exists with {state.partitions} partitions (contract wants {state.wanted})"
    if state.altered:
        said += "; set " + ", ".join(f"{k}={v}" for k, v in state.altered.items())
    retention = state.configs.get("retention.ms")
    return said + (f"; retention.ms={retention}" if retention else "")
