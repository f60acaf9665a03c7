"""``assay store migrate``: a store written under the old names ends as if written under the new.

The old store is made by the real pipeline: segments landed, then given their old names,
are validated under them (a segment keeps the form of its raw object's name), and a release
is made from them. Its twin is the same records through the same pipeline under the new names.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from assay.govern.readiness import Buckets as ReadinessBuckets
from assay.govern.readiness import load_inputs, readiness_figures
from assay.govern.releases import Buckets, LockTerms, ReleaseRequest, create_release
from assay.govern.releases._masking_key import MaskingKey
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.validate import curation
from assay.store import layout, migration
from assay.store.objects import MemoryStore
from assay.store.parquet import from_parquet
from schemas import Contract, load_contract, wire

TOPIC = "assay.energy_meter.v1"
ROLES = {
    "raw": "raw",
    "deadletter": "dead",
    "curated": "cur",
    "quarantine": "q",
    "reports": "rep",
    "releases": "rel",
}
RELEASE = Buckets(
    raw="raw", deadletter="dead", curated="cur", quarantine="q", reports="rep", releases="rel"
)
CREATED = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

KEY = MaskingKey(b"migration-unit-key".ljust(32, b"."), "test")


@pytest.fixture(scope="module")
def energy() -> Contract:
    return load_contract("energy_meter")


def _reading(n: int, partition: int) -> dict[str, Any]:
    return {
        "producer_id": f"edge-{partition}",
        "seq": n,
        "site": "plant-a" if n % 2 else "plant-b",
        "device_id": f"meter-{n % 3}",
        "event_time": f"2026-03-0{1 + n // 20}T08:00:{n % 60:02d}.000Z",
        "ingest_time": f"2026-03-0{1 + n // 20}T08:00:{n % 60:02d}.500Z",
        "active_power": 42.5,
        "active_energy": 1000.0 + n,
        "voltage_l1": 9999.0 if n % 11 == 4 else 230.1,  # out of range: quarantined
        "current_l1": 61.2,
        "power_factor": 0.95,
        "frequency": 50.0,
    }


def _records(partition: int) -> list[Record]:
    headers = ((wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0"))
    values = [json.dumps(_reading(n, partition)).encode() for n in range(40)] + [b"junk"]
    return [Record(TOPIC, partition, n, 0, b"m", v, headers) for n, v in enumerate(values)]


def _build(contract: Contract, *, old_names: bool) -> MemoryStore:
    """Two partitions landed and validated, and a release of the first day."""
    store = MemoryStore()
    for partition in (0, 1):
        log = landing.MemoryPartition(_records(partition))
        landing.land_partition(
            log, store, landing.Buckets(raw="raw", deadletter="dead"), contract, max_records=10
        )
    if old_names:
        for bucket, key in list(store.objects):
            seg = layout.Segment.parse(key).as_legacy()
            store.objects[(bucket, layout.raw_key(contract.name, 1, seg))] = store.objects.pop(
                (bucket, key)
            )
    checked = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")
    for partition in (0, 1):
        curation.validate_pending(store, checked, contract, partition)
    request = ReleaseRequest(contract, "1.0.0", date(2026, 3, 1), date(2026, 3, 1), CREATED, "x")
    create_release(store, RELEASE, request, KEY, LockTerms.after(CREATED, 30))
    return store


@pytest.fixture(scope="module")
def old(energy: Contract) -> MemoryStore:
    return _build(energy, old_names=True)


@pytest.fixture(scope="module")
def new(energy: Contract) -> MemoryStore:
    return _build(energy, old_names=False)


@pytest.fixture
def migrated(old: MemoryStore) -> MemoryStore:
    store = old.fork()
    migration.migrate(store, ROLES)
    return store


def _keys(store: MemoryStore, *buckets: str) -> set[tuple[str, str]]:
    return {k for k in store.objects if k[0] in buckets}


def test_the_old_store_really_has_old_names(old: MemoryStore) -> None:
    pipeline = _keys(old, "raw", "dead", "cur", "q", "rep")
    assert pipeline and all("+" in key for _, key in pipeline)


def test_a_dry_run_plans_every_old_name_and_changes_nothing(old: MemoryStore) -> None:
    before = dict(old.objects)
    planned = migration.plan(old, ROLES)
    assert {(m.bucket, m.old) for ms in planned.values() for m in ms} == _keys(
        old, "raw", "dead", "cur", "q", "rep"
    )
    assert old.objects == before


def test_every_name_is_the_one_the_pipeline_writes_now(
    migrated: MemoryStore, new: MemoryStore
) -> None:
    buckets = ("raw", "dead", "cur", "q", "rep")
    assert _keys(migrated, *buckets) == _keys(new, *buckets)
    assert all(layout.is_safe(key) for _, key in _keys(migrated, *buckets))
    assert migration.plan(migrated, ROLES) == {}


def test_the_contents_are_the_ones_the_pipeline_writes_now(
    migrated: MemoryStore, new: MemoryStore
) -> None:
    for bucket, key in _keys(new, "raw", "dead", "q", "rep"):
        if key.endswith(("summary.json", ".watermark.json")) or bucket == "q":
            assert migrated.get(bucket, key) == new.get(bucket, key), key
    for bucket, key in _keys(new, "raw", "cur", "q"):
        assert migrated.head(bucket, key) == new.head(bucket, key), key
    for _, key in _keys(new, "cur"):  # bytes copied as they were: same rows
        assert from_parquet(migrated.get("cur", key)).equals(from_parquet(new.get("cur", key)))


def test_nothing_is_validated_again_and_the_audit_balances(
    migrated: MemoryStore, energy: Contract
) -> None:
    from assay.govern.audit import audit

    checked = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")
    assert curation.pending(migrated, checked, energy, 0) == []
    offsets = {0: (0, 41, 41), 1: (0, 41, 41)}
    result = audit(migrated, checked, "dead", energy, offsets)
    assert result.problems == []
    assert result.totals.produced == 82


def test_releases_are_left_alone_and_their_readiness_still_verifies(
    old: MemoryStore, migrated: MemoryStore
) -> None:
    assert {k: v for k, v in migrated.objects.items() if k[0] == "rel"} == {
        k: v for k, v in old.objects.items() if k[0] == "rel"
    }
    sources = ReadinessBuckets(releases="rel", reports="rep", quarantine="q")
    before = readiness_figures(load_inputs(old, sources, "energy_meter", "1.0.0"))
    after_inputs = load_inputs(migrated, sources, "energy_meter", "1.0.0")
    assert len(after_inputs.summaries) == len(after_inputs.manifest["reports"]) > 0
    after = readiness_figures(after_inputs)
    for part in ("totals", "quality", "lineage", "checksums"):
        assert after[part] == before[part], part
    assert after["quarantine"]["rows"] == before["quarantine"]["rows"] > 0


class _Interrupted(MemoryStore):
    """A store whose deletes start failing after ``allowed`` of them."""

    def __init__(self, objects: dict[tuple[str, str], tuple[bytes, dict[str, str]]], allowed: int):
        super().__init__()
        self.objects, self.allowed = dict(objects), allowed

    def delete(self, bucket: str, key: str) -> None:
        if self.allowed == 0:
            raise ConnectionError("the S3 server went away")
        self.allowed -= 1
        super().delete(bucket, key)


@pytest.mark.parametrize("allowed", [0, 3, 17])
def test_a_migration_that_stops_is_finished_by_running_it_again(
    old: MemoryStore, migrated: MemoryStore, allowed: int
) -> None:
    store = _Interrupted(old.objects, allowed)
    with pytest.raises(ConnectionError):
        migration.migrate(store, ROLES)
    store.allowed = -1
    migration.migrate(store, ROLES)
    assert store.objects == migrated.objects
