"""``assay store migrate`` on the real S3 server: old names renamed, copies exact, readers happy.

The old store is made by the real landing and validation functions in buckets of this test
alone, its raw objects given their old ``+`` names before validation (a segment keeps the
form of its raw object's name), as a store written before the rename would be.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from minio.commonconfig import ENABLED
from minio.versioningconfig import VersioningConfig

from assay.config import Settings
from assay.govern.releases._duckdb import connect
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.validate import curation
from assay.store import layout, migration
from assay.store.objects import PARQUET, S3Store, s3_client
from schemas import load_contract, wire

pytestmark = pytest.mark.integration

TOPIC = "assay.energy_meter.v1"
READINGS = 300


def _reading(n: int) -> dict[str, Any]:
    return {
        "producer_id": "edge-migrate",
        "seq": n,
        "site": "plant-m",
        "device_id": f"meter-{n % 4}",
        "event_time": f"2026-05-01T{n // 60 % 24:02d}:{n % 60:02d}:00.000Z",
        "ingest_time": f"2026-05-01T{n // 60 % 24:02d}:{n % 60:02d}:01.000Z",
        "active_power": 40.0 + n % 5,
        "active_energy": 100.0 + n,
        "voltage_l1": 9999.0 if n % 50 == 7 else 230.0,  # out of range: quarantined
        "current_l1": 60.0,
        "power_factor": 0.95,
        "frequency": 50.0,
    }


def _log() -> landing.MemoryPartition:
    headers = ((wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0"))
    return landing.MemoryPartition(
        [
            Record(TOPIC, 0, n, 0, b"m", json.dumps(_reading(n)).encode(), headers)
            for n in range(READINGS)
        ]
    )


@pytest.fixture
def roles(stack_settings: Settings, unique: str) -> dict[str, str]:
    names = {r: f"mig-{r[:4]}-{unique}" for r in migration.ROLES}
    client = s3_client(stack_settings)
    for bucket in names.values():
        client.make_bucket(bucket)
        client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
    return names


def _old_store(store: S3Store, roles: dict[str, str]) -> None:
    contract = load_contract("energy_meter")
    landed = landing.land_partition(
        _log(),
        store,
        landing.Buckets(raw=roles["raw"], deadletter=roles["deadletter"], reports=roles["reports"]),
        contract,
        max_records=100,
    )
    for seg in (x.segment for x in landed):
        key = layout.raw_key(contract.name, 1, seg)
        old = layout.raw_key(contract.name, 1, seg.as_legacy())
        store.copy(roles["raw"], key, old, store.head(roles["raw"], key) or {})
        store.delete(roles["raw"], key)
    checked = curation.Buckets(
        raw=roles["raw"],
        curated=roles["curated"],
        quarantine=roles["quarantine"],
        reports=roles["reports"],
    )
    curation.validate_pending(store, checked, contract, 0)


def test_copy_keeps_bytes_and_content_type_and_replaces_metadata(
    stack_settings: Settings, roles: dict[str, str]
) -> None:
    store, bucket = S3Store(stack_settings), roles["raw"]
    store.put(bucket, "a/x+0+1.parquet", b"PAR1 bytes", {"segment": "x+0+1"}, PARQUET)
    store.copy(bucket, "a/x+0+1.parquet", "a/x-p0-o1.parquet", {"segment": "x-p0-o1"})
    store.delete(bucket, "a/x+0+1.parquet")
    assert store.keys(bucket, "a/") == ["a/x-p0-o1.parquet"]
    assert store.get(bucket, "a/x-p0-o1.parquet") == b"PAR1 bytes"
    assert store.head(bucket, "a/x-p0-o1.parquet") == {"segment": "x-p0-o1"}
    stat = s3_client(stack_settings).stat_object(bucket, "a/x-p0-o1.parquet")
    assert stat.content_type == PARQUET


def test_an_old_store_is_renamed_and_duckdb_reads_it(
    stack_settings: Settings, roles: dict[str, str]
) -> None:
    store = S3Store(stack_settings)
    _old_store(store, roles)
    planned = migration.plan(store, roles)
    assert [seg.start for seg in planned] == [0, 100, 200]
    migration.migrate(store, roles)
    keys = [k for bucket in roles.values() for k in store.keys(bucket)]
    assert keys and all(layout.is_safe(k) for k in keys)
    assert migration.plan(store, roles) == {}
    rows, quarantined = _duckdb_counts(stack_settings, roles)
    assert (rows + quarantined, quarantined) == (READINGS, READINGS // 50)


def _duckdb_counts(settings: Settings, roles: dict[str, str]) -> tuple[int, int]:
    con = connect(settings)
    curated, quarantine = (
        f"s3://{roles[r]}/energy_meter/v1/**/*.parquet" for r in ("curated", "quarantine")
    )
    rows = con.sql(f"SELECT count(*) FROM read_parquet('{curated}')").fetchone()
    bad = con.sql(f"SELECT count(*) FROM read_parquet('{quarantine}')").fetchone()
    assert rows is not None and bad is not None
    return int(rows[0]), int(bad[0])
