"""Kafka naming and topic settings: one topic per contract major version."""

from __future__ import annotations

from schemas._duration import parse_duration
from schemas._model import Contract

__all__ = ["topic_configs", "topic_name"]


def topic_name(contract: Contract) -> str:
    """The Kafka topic of a contract: ``assay.<name>.v<major>``."""
    return f"assay.{contract.name}.v{contract.major}"


def topic_configs(contract: Contract) -> dict[str, str]:
    """The topic settings a contract declares: ``retention.ms`` from ``retention.kafka``."""
    millis = round(parse_duration(contract.retention.kafka).total_seconds() * 1000)
    return {"retention.ms": str(millis)}
