"""Curated process_params data built by the real pipeline functions, in a MemoryStore.

process_params has an L3 field (recipe_id, pseudonymise) and an L3 personal field
(operator_id, pseudonymise): exactly what releases must not let through.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from assay.errors import ObjectExists
from assay.govern.releases import Buckets, LockTerms, MaskingKey, ReleaseRequest
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import MemoryPartition
from assay.pipeline.validate import curation
from assay.store.objects import MemoryStore
from schemas import Contract, load_contract, wire

TOPIC = "assay.process_params.v1"
BUCKETS = Buckets(
    raw="raw",
    curated="curated",
    reports="reports",
    releases="releases",
    quarantine="quarantine",
    deadletter="dead",
)
KEY = MaskingKey(b"unit-test-masking-key".ljust(32, b"."), "test")
CREATED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
RECIPES = [f"R{9000 + n}" for n in range(5)]
OPERATORS = [f"OP{424200 + n}" for n in range(4)]


def reading(n: int, site: str) -> dict[str, Any]:
    """A valid process_params reading; day 1 or 2 of March 2026, every 97 s."""
    seconds = n * 97
    day, rest = 1 + seconds // 86_400, seconds % 86_400
    stamp = f"2026-03-{day:02d}T{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}.000Z"
    return {
        "producer_id": f"edge-{site}",
        "seq": n,
        "site": site,
        "device_id": f"imm-{n % 3}",
        "event_time": stamp,
        "ingest_time": stamp.replace(".000Z", ".300Z"),
        "mould_id": "M0042",
        "recipe_id": RECIPES[n % len(RECIPES)],
        "material": "pc_abs",
        "shot_count": 100 + n,
        "barrel_temp_nozzle": 230.0 + n % 7,
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
        "operator_id": OPERATORS[n % len(OPERATORS)],
    }


def records(site: str, partition: int, count: int) -> list[Record]:
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
            1_772_352_000_000 + n,
            b"imm",
            json.dumps(reading(n, site)).encode(),
            tuple((k, v.encode()) for k, v in headers.items()),
        )
        for n in range(count)
    ]


def build_curated(store: MemoryStore, contract: Contract, count: int = 1200) -> None:
    """Land and validate two partitions (two sites) of readings spanning two days."""
    for partition, site in ((0, "plant-a"), (1, "plant-b")):
        log = MemoryPartition(records(site, partition, count))
        land = landing.Buckets(
            raw=BUCKETS.raw, deadletter=BUCKETS.deadletter, reports=BUCKETS.reports
        )
        landing.land_partition(log, store, land, contract, max_records=500)
        checked = curation.Buckets(
            raw=BUCKETS.raw,
            curated=BUCKETS.curated,
            quarantine="quarantine",
            reports=BUCKETS.reports,
        )
        curation.validate_pending(store, checked, contract, partition)


@pytest.fixture(scope="session")
def params() -> Contract:
    return load_contract("process_params")


@pytest.fixture(scope="session")
def curated_store(params: Contract) -> MemoryStore:
    """A store holding raw, curated and reports objects; copy it before writing releases."""
    store = MemoryStore()
    build_curated(store, params)
    return store


@pytest.fixture
def store(curated_store: MemoryStore) -> MemoryStore:
    fresh = MemoryStore()
    fresh.objects = dict(curated_store.objects)
    return fresh


def request(contract: Contract, version: str = "1.0.0", **overrides: Any) -> ReleaseRequest:
    values: dict[str, Any] = {
        "contract": contract,
        "version": version,
        "date_from": date(2026, 3, 1),
        "date_to": date(2026, 3, 2),
        "created": CREATED,
        "licence": "https://creativecommons.org/licenses/by-nc-nd/4.0/",
    }
    values.update(overrides)
    return ReleaseRequest(**values)


TERMS = LockTerms.after(CREATED, 30)


class VersionedStore(MemoryStore):
    """A `LockingStore` in memory: every put adds a version, create-only puts refuse a taken
    key, and nothing deletes a version (as retention and the role policies ensure)."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[tuple[str, str], list[tuple[str, bytes]]] = {}

    def put(
        self,
        bucket: str,
        key: str,
        data: bytes,
        metadata: dict[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> None:
        super().put(bucket, key, data, metadata, content_type)
        versions = self.history.setdefault((bucket, key), [])
        versions.append((f"v{sum(map(len, self.history.values()))}", bytes(data)))

    def put_locked(
        self, bucket: str, key: str, data: bytes, content_type: str, terms: LockTerms
    ) -> str | None:
        if (bucket, key) in self.objects:
            raise ObjectExists(bucket, key)
        self.put(bucket, key, data)
        return self.history[(bucket, key)][-1][0]

    def get_version(self, bucket: str, key: str, version_id: str) -> bytes:
        return dict(self.history[(bucket, key)])[version_id]

    def current_version(self, bucket: str, key: str) -> str | None:
        found = self.history.get((bucket, key))
        return found[-1][0] if found else None

    def versions(self, bucket: str, key: str) -> list[str]:
        return [vid for vid, _ in self.history.get((bucket, key), [])]


@pytest.fixture
def versioned(curated_store: MemoryStore) -> VersionedStore:
    fresh = VersionedStore()
    fresh.objects = dict(curated_store.objects)
    return fresh
