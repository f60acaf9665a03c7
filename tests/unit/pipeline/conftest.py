"""Readings and Kafka records of the energy_meter contract, built by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assay.pipeline.ingest.deadletter import Record
from schemas import Contract, load_contract, wire

TOPIC = "assay.energy_meter.v1"


@pytest.fixture(scope="session")
def energy() -> Contract:
    return load_contract("energy_meter")


def reading(n: int, /, **overrides: Any) -> dict[str, Any]:
    """A valid energy_meter reading as its JSON object."""
    value = {
        "producer_id": "edge-1",
        "seq": n,
        "site": "plant-a",
        "device_id": f"meter-{n % 3}",
        "event_time": f"2026-03-01T08:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
        "ingest_time": f"2026-03-01T08:{n // 60 % 60:02d}:{n % 60:02d}.500Z",
        "circuit": "F1",
        "active_power": 42.5,
        "active_energy": 1000.0 + n,
        "voltage_l1": 230.1,
        "current_l1": 61.2,
        "power_factor": 0.95,
        "frequency": 50.0,
    }
    value.update(overrides)
    return {k: v for k, v in value.items() if v is not ...}


def record(
    offset: int,
    value: bytes | dict[str, Any] | None,
    *,
    partition: int = 0,
    headers: dict[str, str] | None = None,
) -> Record:
    """A Kafka record carrying ``value`` (a dict is JSON-encoded) with the edge's headers."""
    payload = json.dumps(value).encode() if isinstance(value, dict) else value
    base = {
        wire.HEADER_CONTRACT: "energy_meter",
        wire.HEADER_VERSION: "1.0.0",
        wire.HEADER_CONTENT_TYPE: wire.JSON,
    }
    base.update(headers or {})
    return Record(
        TOPIC,
        partition,
        offset,
        1_772_352_000_000 + offset,
        b"meter-0",
        payload,
        tuple((k, v.encode()) for k, v in base.items()),
    )
