"""Kafka topics of the contracts, as the platform reports them; the edge's one definition.

Topic creation and settings live in ``producers.topics`` (factory IT runs it from a gateway
too; ``assay topics ensure`` and ``assay stack up`` call it here); this module only
translates its states and errors into the platform's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from assay.config import Settings
from assay.errors import KafkaRefused, KafkaUnavailable
from schemas import Contract, edge_status, topic_name

if TYPE_CHECKING:
    from producers.topics import TopicState


def ensure_topics(settings: Settings, contracts: Iterable[Contract]) -> dict[str, str]:
    """Create or align every contract's topic and the edge status reports' topic
    (``schemas.edge_status``); say per topic what was done."""
    states = _ensure(settings, list(contracts), status_topic=False)
    return {s.topic: describe(s) for s in states} | _status_topic(settings)


def _status_topic(settings: Settings) -> dict[str, str]:
    """The status reports' topic where this principal may see it. Only the Kafka admin may
    (gateways write it, the releaser reads it): anyone else who ensures the contracts' topics
    is told so, and their topics are ensured all the same."""
    try:
        (state,) = _ensure(settings, [], status_topic=True)
    except KafkaRefused:
        who = settings.kafka_username or "this principal"
        said = f"not ensured: {who} may not see it; run `assay topics ensure` as the Kafka admin"
        return {edge_status.TOPIC: said}
    return {state.topic: describe(state)}


def _ensure(settings: Settings, contracts: list[Contract], status_topic: bool) -> list[TopicState]:
    from producers import EdgeError
    from producers import ensure_topics as ensure

    try:
        return ensure(
            settings.bootstrap,
            contracts,
            replication_factor=settings.kafka_replication,
            security=settings.kafka_security(),
            status_topic=status_topic,
        )
    except EdgeError as exc:
        topics = ",".join([topic_name(c) for c in contracts] + [edge_status.TOPIC] * status_topic)
        refusal = type(exc.__cause__).__name__
        if refusal.endswith("AuthorizationFailedError"):  # no ACL lets this principal
            raise KafkaRefused(topics, refusal, str(exc)) from exc
        raise KafkaUnavailable(topics, f"cannot reach {settings.bootstrap}: {exc}") from exc


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
