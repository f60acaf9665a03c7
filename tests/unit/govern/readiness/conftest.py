"""A small process_params release with faults, built by the real pipeline in a MemoryStore.

Two sites (two Kafka partitions), a burst of readings on each of three days; the release
covers the first two. Some readings are out of range, some carry a malformed operator
badge (an L3 personal field, so its value appears in the quarantine reason and must be
masked in the report).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from assay.govern.releases import Buckets, LockTerms, MaskingKey, ReleaseRequest, create_release
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import MemoryPartition
from assay.pipeline.validate import curation
from assay.store.objects import MemoryStore
from schemas import Contract, load_contract, wire

TOPIC = "assay.process_params.v1"
QUARANTINE = "quarantine"
BUCKETS = Buckets(
    raw="raw",
    curated="curated",
    reports="reports",
    releases="releases",
    quarantine=QUARANTINE,
    deadletter="dead",
)
KEY = MaskingKey(b"readiness-unit-key".ljust(32, b"."), "test")
CREATED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
OPERATORS = [f"OP{515100 + n}" for n in range(3)]
BAD_BADGE = "BADGE-7731"
PER_DAY = 80  # one a minute from 08:00; three days of them
PER_SITE = 3 * PER_DAY


def reading(n: int, site: str) -> dict[str, Any]:
    """A process_params reading of ``site``; every 37th is too hot, every 53rd has a bad badge."""
    day, rest = 1 + n // PER_DAY, 8 * 3600 + (n % PER_DAY) * 60 + (0 if site == "plant-a" else 30)
    stamp = f"2026-03-{day:02d}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}.000Z"
    return {
        "producer_id": f"edge-{site}",
        "seq": n,
        "site": site,
        "device_id": f"imm-{n % (2 if site == 'plant-a' else 3)}",
        "event_time": stamp,
        "ingest_time": stamp.replace(".000Z", ".500Z"),
        "mould_id": "M0042",
        "recipe_id": f"R{7000 + n % 4}",
        "material": "pc_abs",
        "shot_count": 100 + n,
        "barrel_temp_nozzle": 999.0 if n % 37 == 5 else 230.0 + n % 7,
        "barrel_temp_front": 225.0,
        "barrel_temp_middle": 220.0,
        "barrel_temp_rear": 210.0,
        "mould_temp_fixed": 60.0,
        "mould_temp_moving": 62.0,
        "injection_pressure": 120.0 + n % 5,
        "holding_pressure": 80.0,
        "injection_speed": 90.0,
        "cycle_time": 30.0 + n % 3,
        "shot_weight": 55.5,
        "cushion": 5.0,
        "operator_id": BAD_BADGE if n % 53 == 11 else OPERATORS[n % len(OPERATORS)],
    }


def records(site: str, partition: int) -> list[Record]:
    """The Kafka records of one site."""
    headers = {
        wire.HEADER_CONTRACT: "process_params",
        wire.HEADER_VERSION: "1.0.0",
        wire.HEADER_CONTENT_TYPE: wire.JSON,
    }
    return [
        Record(
            TOPIC,
            partition,
            n,
            1_772_323_200_000 + n * 60_000,
            b"imm",
            json.dumps(reading(n, site)).encode(),
            tuple((k, v.encode()) for k, v in headers.items()),
        )
        for n in range(PER_SITE)
    ]


def build_release(store: MemoryStore, contract: Contract) -> dict[str, Any]:
    """Land, validate and release two sites; the manifest of release 1.0.0."""
    for partition, site in ((0, "plant-a"), (1, "plant-b")):
        log = MemoryPartition(records(site, partition))
        landing.land_partition(
            log,
            store,
            landing.Buckets(raw=BUCKETS.raw, deadletter=BUCKETS.deadletter),
            contract,
            max_records=100,
        )
        checked = curation.Buckets(
            raw=BUCKETS.raw, curated=BUCKETS.curated, quarantine=QUARANTINE, reports=BUCKETS.reports
        )
        curation.validate_pending(store, checked, contract, partition)
    request = ReleaseRequest(
        contract=contract,
        version="1.0.0",
        date_from=date(2026, 3, 1),
        date_to=date(2026, 3, 2),
        created=CREATED,
        licence="CC-BY-NC-4.0",
        requested_by="steward-a",
        comment="March for the pilot base",
    )
    release = create_release(store, BUCKETS, request, KEY, LockTerms.after(CREATED, 30))
    return release.manifest


@pytest.fixture(scope="session")
def params() -> Contract:
    return load_contract("process_params")


@pytest.fixture(scope="session")
def released_store(params: Contract) -> MemoryStore:
    """The store after the release: raw, curated, quarantine, reports and releases objects."""
    store = MemoryStore()
    build_release(store, params)
    return store


@pytest.fixture
def store(released_store: MemoryStore) -> MemoryStore:
    return released_store.fork()
