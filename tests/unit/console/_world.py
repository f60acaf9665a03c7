"""The console's test world, built by the real pipeline, with hostile text in producer fields.

process_params readings of one partition over two days: some too hot (quarantined by a
range rule), some from a device whose name is markup, and one record whose bytes decode
to nothing and whose key and header are markup (a dead letter); a release of the first
day. Unit tests build it in a `MemoryStore`, integration tests on an S3 server.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.govern.releases import Buckets, LockTerms, MaskingKey, ReleaseRequest, create_release
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.validate import curation
from assay.store.objects import MemoryStore, ObjectStore
from schemas import load_contract, wire

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

HOSTILE = "<script>alert(1)</script>"
TOPIC = "assay.process_params.v1"
BUCKETS = Buckets(
    raw="raw", deadletter="dead", curated="curated", quarantine="quarantine",
    reports="reports", releases="releases",
)  # fmt: skip
PASSWORD = "correct horse battery"
CONTRACT = load_contract("process_params")
TOLD: list[str] = []  # links of the pending-approval notifications a test's desk sent


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


def fill(
    store: ObjectStore, buckets: Buckets = BUCKETS, releaser: ObjectStore | None = None
) -> None:
    """Land and validate the world with ``store``; release it with ``releaser`` (or ``store``)."""
    land = landing.Buckets(raw=buckets.raw, deadletter=buckets.deadletter)
    landing.land_partition(
        landing.MemoryPartition(records(120)), store, land, CONTRACT, max_records=50
    )
    checked = curation.Buckets(
        raw=buckets.raw,
        curated=buckets.curated,
        quarantine=buckets.quarantine,
        reports=buckets.reports,
    )
    curation.validate_pending(store, checked, CONTRACT, 0)
    created = datetime.now(UTC).replace(microsecond=0)  # S3 wants the lock to end in the future
    request = ReleaseRequest(
        contract=CONTRACT, version="1.0.0", date_from=date(2026, 3, 1), date_to=date(2026, 3, 1),
        created=created, licence="CC-BY-4.0",
    )  # fmt: skip
    key, terms = MaskingKey(b"k" * 32, "test"), LockTerms.after(created, 1)
    create_release(releaser or store, buckets, request, key, terms)


def mirror(store: MemoryStore, folder: Path) -> None:
    """Every Parquet object of the store as a file ``<folder>/<bucket>/<key>``."""
    for (bucket, key), (data, _) in store.objects.items():
        if key.endswith(".parquet"):
            path = folder / bucket / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


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
