"""A contract's Kafka topic: its name and the settings it declares."""

from __future__ import annotations

from schemas import Retention, load_contract, topic_configs, topic_name


def test_topic_retention_is_the_contracts_in_milliseconds() -> None:
    energy = load_contract("energy_meter")
    assert topic_name(energy) == "assay.energy_meter.v1"
    assert topic_configs(energy) == {"retention.ms": str(7 * 24 * 3600 * 1000)}
    short = energy.model_copy(update={"retention": Retention(kafka="90min")})
    assert topic_configs(short) == {"retention.ms": "5400000"}
