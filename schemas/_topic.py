"""Kafka naming: one topic per contract major version."""

from __future__ import annotations

from schemas._model import Contract

__all__ = ["topic_name"]


def topic_name(contract: Contract) -> str:
    """The Kafka topic of a contract: ``assay.<name>.v<major>``."""
    return f"assay.{contract.name}.v{contract.major}"
