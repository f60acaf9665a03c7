"""A partition of energy readings landed and validated in a MemoryStore with a settable clock.

The contract keeps raw data one day and curated data three, so a test moves the clock
instead of waiting; every object's time is the clock's time when it was written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import MemoryPartition, land_partition
from assay.pipeline.validate import curation
from assay.store.buckets import Buckets
from assay.store.objects import MemoryStore
from schemas import Contract, Retention, load_contract, wire

TOPIC = "assay.energy_meter.v1"
BUCKETS = Buckets(
    raw="raw", deadletter="dead", curated="cur", quarantine="q", reports="rep", releases="rel"
)
LANDED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """The time the store stamps on what it writes; tests move it."""

    def __init__(self) -> None:
        self.now = LANDED

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def reading(n: int, **overrides: Any) -> dict[str, Any]:
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
    return value


def record(offset: int, value: bytes | dict[str, Any], **headers: str) -> Record:
    payload = json.dumps(value).encode() if isinstance(value, dict) else value
    base = {
        wire.HEADER_CONTRACT: "energy_meter",
        wire.HEADER_VERSION: "1.0.0",
        wire.HEADER_CONTENT_TYPE: wire.JSON,
        **headers,
    }
    return Record(
        TOPIC, 0, offset, 0, b"meter", payload, tuple((k, v.encode()) for k, v in base.items())
    )


def faulty_records(start: int, count: int) -> list[Record]:
    """Readings from ``start`` on, one out of range, one undecodable, one replayed."""
    records = [record(start + i, reading(start + i)) for i in range(count)]
    records[3] = record(start + 3, reading(start + 3, voltage_l1=9999.0))
    records[5] = record(start + 5, b"junk")
    records[7] = record(start + 7, reading(start + 1), **{wire.HEADER_REPLAY: "1"})
    return records


def land(store: MemoryStore, contract: Contract, records: list[Record], low: int = 0) -> None:
    log = MemoryPartition(records, topic=TOPIC, low=low)
    log.offset = records[0].offset if records else None
    land_partition(
        log, store, LandingBuckets(raw="raw", deadletter="dead"), contract, max_records=20
    )


def validate(store: MemoryStore, contract: Contract) -> list[curation.Summary]:
    checked = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")
    return curation.validate_pending(store, checked, contract, 0)


@pytest.fixture(scope="session")
def energy() -> Contract:
    """energy_meter with one partition, raw kept a day and curated three."""
    contract = load_contract("energy_meter")
    return contract.model_copy(
        update={"partitions": 1, "retention": Retention(kafka="1h", raw="1d", curated="3d")}
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> MemoryStore:
    return MemoryStore(clock=clock)
