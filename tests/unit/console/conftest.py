"""A console over a store the real pipeline filled, with hostile text in every producer field.

process_params readings on two partitions: some too hot (quarantined by a range rule),
some from a device whose name is markup, one record of bytes that decode to nothing (a
dead letter) and one with markup in a header; a release over the first day. The store is
a `MemoryStore`; its Parquet objects are copied to a folder for the DuckDB pages.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assay.console import Backend, add_user, create_app
from assay.console._auth import Sessions
from assay.console._query import Tables
from assay.govern.audit import Audit, Totals
from assay.govern.health import Health
from assay.govern.releases import Buckets, LockTerms, MaskingKey, ReleaseRequest, create_release
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.problems import Stall
from assay.pipeline.validate import curation
from assay.store.objects import MemoryStore
from schemas import load_contract, wire

HOSTILE = "<script>alert(1)</script>"
TOPIC = "assay.process_params.v1"
BUCKETS = Buckets(
    raw="raw", deadletter="dead", curated="curated", quarantine="quarantine",
    reports="reports", releases="releases",
)  # fmt: skip
PASSWORD = "correct horse battery"
CONTRACT = load_contract("process_params")


def reading(n: int) -> dict[str, Any]:
    """One a minute on 1-2 March 2026; every 9th too hot, every 7th from a hostile device."""
    stamp = f"2026-03-{1 + n // 60:02d}T08:{n % 60:02d}:00.000Z"
    return {
        "producer_id": "edge-a", "seq": n, "site": "plant-a",
        "device_id": HOSTILE if n % 7 == 3 else f"imm-{n % 2}",
        "event_time": stamp, "ingest_time": stamp,
        "mould_id": "M0042", "recipe_id": "R7001", "material": "pc_abs", "shot_count": 100 + n,
        "barrel_temp_nozzle": 999.0 if n % 9 == 4 else 231.0,
        "barrel_temp_front": 225.0, "barrel_temp_middle": 220.0, "barrel_temp_rear": 210.0,
        "mould_temp_fixed": 60.0, "mould_temp_moving": 62.0, "injection_pressure": 120.0,
        "holding_pressure": 80.0, "injection_speed": 90.0, "cycle_time": 30.0,
        "shot_weight": 55.5, "cushion": 5.0, "operator_id": "OP515100",
    }  # fmt: skip


def records(count: int) -> list[Record]:
    """The readings as Kafka records, then one undecodable record with hostile bytes."""
    headers = (
        (wire.HEADER_CONTRACT, b"process_params"),
        (wire.HEADER_VERSION, b"1.0.0"),
        (wire.HEADER_CONTENT_TYPE, wire.JSON.encode()),
    )
    found = [
        Record(TOPIC, 0, n, 1_772_323_200_000 + n, b"imm", json.dumps(reading(n)).encode(), headers)
        for n in range(count)
    ]
    evil = (HOSTILE.encode() + b"\x00\xff{", ((wire.HEADER_CONTRACT, HOSTILE.encode()),))
    found.append(Record(TOPIC, 0, count, 1_772_323_200_000, HOSTILE.encode(), *evil))
    return found


def fill(store: MemoryStore) -> None:
    """Land, validate and release the world."""
    land = landing.Buckets(raw=BUCKETS.raw, deadletter=BUCKETS.deadletter)
    landing.land_partition(
        landing.MemoryPartition(records(120)), store, land, CONTRACT, max_records=50
    )
    checked = curation.Buckets(
        raw=BUCKETS.raw,
        curated=BUCKETS.curated,
        quarantine=BUCKETS.quarantine,
        reports=BUCKETS.reports,
    )
    curation.validate_pending(store, checked, CONTRACT, 0)
    created = datetime(2026, 3, 10, tzinfo=UTC)
    request = ReleaseRequest(
        contract=CONTRACT, version="1.0.0", date_from=date(2026, 3, 1), date_to=date(2026, 3, 1),
        created=created, licence="CC-BY-4.0",
    )  # fmt: skip
    create_release(
        store, BUCKETS, request, MaskingKey(b"k" * 32, "test"), LockTerms.after(created, 30)
    )


def mirror(store: MemoryStore, folder: Path) -> None:
    """Every Parquet object of the store as a file ``<folder>/<bucket>/<key>``."""
    for (bucket, key), (data, _) in store.objects.items():
        if key.endswith(".parquet"):
            path = folder / bucket / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def audit_of(contract: Any) -> Audit:
    """An unbalanced audit whose discrepancy carries markup."""
    return Audit(contract.name, {0: Totals(produced=5, curated=4)}, [f"partition 0: {HOSTILE}"])


def health() -> Health:
    """One stalled partition whose error carries markup."""
    when = "2026-03-01T00:00:00Z"
    stall = Stall("process_params", "ingest", 0, 7, HOSTILE, "ValueError", False, when, when, 3)
    return Health(stalls=[stall])


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[MemoryStore, Path]:
    store, folder = MemoryStore(), tmp_path_factory.mktemp("objects")
    fill(store)
    mirror(store, folder)
    return store, folder


@pytest.fixture
def backend(world: tuple[MemoryStore, Path]) -> Backend:
    import duckdb

    store, folder = world
    return Backend(
        buckets=BUCKETS,
        store=store,
        contracts=(CONTRACT,),
        tables=lambda: Tables(duckdb.connect(), str(folder)),
        audit=audit_of,
        health=health,
    )


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state folder with a user of each role (argon2 hashing takes a while: once)."""
    folder = tmp_path_factory.mktemp("state")
    for name, role in (("vera", "viewer"), ("stella", "steward"), ("ada", "admin")):
        add_user(folder, name, role, PASSWORD)
    return folder


@pytest.fixture
def client(backend: Backend, state_dir: Path) -> Iterator[TestClient]:
    app = create_app(lambda: backend, Sessions(b"unit-test-key" * 3), state_dir)
    with TestClient(app, base_url="http://console.test") as web:
        yield web


def sign_in(web: TestClient, name: str = "stella", password: str = PASSWORD) -> Any:
    """Post the login form as a browser would: its token, its nonce cookie."""
    form = web.get("/login")
    token = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return web.post(
        "/login", data={"name": name, "password": password, "csrf": token}, follow_redirects=False
    )


def csrf_of(page: str) -> str:
    """The CSRF token in a page's first form."""
    return page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
