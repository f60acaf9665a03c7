"""Kafka topics of the contracts, as the platform reports them; the edge's one definition.

Topic creation lives in ``producers.topics`` (factory IT runs it from a gateway too); this
module only translates its states and errors into the platform's words.
"""

from __future__ import annotations

from collections.abc import Iterable

from assay.config import Settings
from assay.errors import KafkaUnavailable
from schemas import Contract, topic_name


def ensure_topics(settings: Settings, contracts: Iterable[Contract]) -> dict[str, str]:
    """Create missing topics; say per topic "created", "exists" or how its partitions differ."""
    from producers import EdgeError
    from producers import ensure_topics as ensure

    contracts = list(contracts)
    try:
        states = ensure(settings.bootstrap, contracts, security=settings.kafka_security())
    except EdgeError as exc:
        topics = ",".join(topic_name(c) for c in contracts)
        raise KafkaUnavailable(topics, f"cannot reach {settings.bootstrap}: {exc}") from exc
    return {s.topic: _state(s.created, s.partitions, s.wanted) for s in states}


def _state(created: bool, have: int, want: int) -> str:
    if created:
        return "created"
    return "exists" if have == want else f"exists with {have} partitions (contract wants {want})"
