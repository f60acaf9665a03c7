"""A partition of energy readings landed and validated in a MemoryStore with a settable clock.

The contract keeps raw data one day and curated data three, so a test moves the clock
instead of waiting; every object's time is the clock's time when it was written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import MemoryPartition, land_partition
from assay.pipeline.validate import curation
from assay.store.buckets import Buckets
from assay.store.objects import MemoryStore
from schemas import Contract, Retention, load_contract, wire
from tests.unit.pipeline.conftest import TOPIC, reading, record

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


def faulty_records(start: int, count: int) -> list[Record]:
    """Readings from ``start`` on, one out of range, one undecodable, one replayed."""
    records = [record(start + i, reading(start + i)) for i in range(count)]
    records[3] = record(start + 3, reading(start + 3, voltage_l1=9999.0))
    records[5] = record(start + 5, b"junk")
    records[7] = record(start + 7, reading(start + 1), headers={wire.HEADER_REPLAY: "1"})
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
