"""The whole pipeline on the real stack: Kafka -> Airflow ingest -> Airflow validate -> S3, audited.

Readings with known faults go to the energy_meter topic; the scheduler's own runs (woken
by the topic watcher, or triggered here through the REST API) land and validate them.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest
from kafka import KafkaProducer

from assay.config import Settings
from assay.devstack import airflow_client
from assay.devstack.stack.kafka_auth import EDGE_DEMO, principal_security
from assay.govern.audit import run_audit
from assay.store.objects import arrow_filesystem
from schemas import load_contract, wire
from schemas.kafka_security import kafka_python_security

pytestmark = pytest.mark.integration

TOPIC = "assay.energy_meter.v1"
N = 240
OUT_OF_RANGE = {10, 50, 90, 130}
MISSING = {20, 60, 100}
FUTURE = {110}
REPLAYED = {5, 6, 7}
# The poison suite: seq -> (what is sent instead of the reading, extra headers, dead-letter reason)
POISON: dict[int, tuple[str, dict[str, str], str]] = {
    30: ("not json", {}, "invalid_json"),
    70: ("utf-16", {}, "invalid_json"),
    140: ("5 MB", {}, "too_large"),
    150: ("unknown major", {wire.HEADER_VERSION: "9.0.0"}, "unknown_contract_version"),
    160: ("missing key", {}, "missing_key"),
    170: ("NaN", {}, "non_finite_number"),
    180: ("inf", {}, "non_finite_number"),
}


def poison(kind: str, value: dict[str, Any]) -> bytes:
    """The bytes of one poison message made from a good reading."""
    if kind == "not json":
        return b"\x00not-json"
    if kind == "utf-16":
        return json.dumps(value).encode("utf-16")
    if kind == "5 MB":
        return json.dumps({**value, "circuit": "X" * 5_000_000}).encode()
    if kind == "missing key":
        return json.dumps({**value, "device_id": None}).encode()
    if kind in ("NaN", "inf"):
        return json.dumps({**value, "active_power": float(kind.lower())}).encode()
    return json.dumps(value).encode()


def reading(producer: str, device_prefix: str, n: int) -> dict[str, Any]:
    value: dict[str, Any] = {
        "producer_id": producer,
        "seq": n,
        "site": "plant-it",
        "device_id": f"{device_prefix}-{n % 3}",
        "event_time": f"2026-02-14T06:{n // 60:02d}:{n % 60:02d}.000Z",
        "ingest_time": f"2026-02-14T06:{n // 60:02d}:{n % 60:02d}.400Z",
        "active_power": 40.0 + n % 7,
        "active_energy": 5000.0 + n,
        "voltage_l1": 230.0 + n % 3,
        "current_l1": 58.0 + n % 5,
        "power_factor": 0.9,
        "frequency": 50.0,
    }
    if n in OUT_OF_RANGE:
        value["voltage_l1"] = 9999.0
    if n in MISSING:
        del value["active_power"]
    if n in FUTURE:  # a device clock years ahead: a reading, for validation to judge
        value["event_time"] = "2099-02-14T06:00:00.000Z"
    return value


def send_all(settings: Settings, producer: str, device_prefix: str) -> None:
    client = KafkaProducer(
        bootstrap_servers=settings.bootstrap,
        acks="all",
        enable_idempotence=True,
        max_request_size=8 << 20,
        # as a gateway would: the edge principal, which may only write contract topics
        **kafka_python_security(principal_security(settings, EDGE_DEMO)),
    )

    def send(
        n: int, payload: bytes, replay: bool = False, extra: dict[str, str] | None = None
    ) -> None:
        headers = {
            wire.HEADER_CONTRACT: "energy_meter",
            wire.HEADER_VERSION: "1.0.0",
            wire.HEADER_PRODUCER: producer,
            wire.HEADER_SEQ: str(n),
            wire.HEADER_REPLAY: "1" if replay else "0",
        } | (extra or {})
        key = f"{device_prefix}-{n % 3}".encode()
        client.send(TOPIC, payload, key=key, headers=[(k, v.encode()) for k, v in headers.items()])

    for n in range(N):
        value = reading(producer, device_prefix, n)
        if n in POISON:
            kind, extra, _ = POISON[n]
            send(n, poison(kind, value), extra=extra)
            continue
        send(n, json.dumps(value).encode())
        if n in REPLAYED:  # what a spool replay after a lost ack looks like
            send(n, json.dumps(value).encode(), replay=True)
    client.flush(60)
    client.close()


def rows_of(
    settings: Settings, bucket: str, producer: str, columns: list[str]
) -> list[dict[str, Any]]:
    dataset = ds.dataset(
        f"{bucket}/energy_meter/v1/",
        filesystem=arrow_filesystem(settings),
        format="parquet",
        exclude_invalid_files=True,
    )
    found = dataset.to_table(filter=pc.field("producer_id") == producer, columns=columns)
    return found.to_pylist()


def test_faults_are_caught_exactly_and_the_audit_balances(
    stack_settings: Settings, unique: str
) -> None:
    producer, devices = f"it-{unique}", f"it{unique}"
    began = datetime.now(UTC)
    send_all(stack_settings, producer, devices)
    airflow_client.trigger(stack_settings, "assay_ingest_energy_meter")

    bad = OUT_OF_RANGE | MISSING | FUTURE | set(POISON)
    expected_curated = N - len(bad)
    deadline, curated, quarantined = time.monotonic() + 420, [], []
    while time.monotonic() < deadline:
        curated = rows_of(stack_settings, stack_settings.bucket_curated, producer, ["seq"])
        quarantined = rows_of(
            stack_settings,
            stack_settings.bucket_quarantine,
            producer,
            ["seq", "failed_rules", "failed_dimensions"],
        )
        if len(curated) + len(quarantined) >= N - len(POISON):
            break
        time.sleep(5)

    assert sorted(r["seq"] for r in curated) == sorted(set(range(N)) - bad)
    assert len(curated) == expected_curated  # the replays were dropped, not curated twice
    by_seq = {r["seq"]: r["failed_rules"] for r in quarantined}
    assert by_seq == {
        **{n: ["range:voltage_l1"] for n in OUT_OF_RANGE},
        **{n: ["not_null:active_power"] for n in MISSING},
        **{n: ["future:event_time"] for n in FUTURE},
    }
    dims = Counter(d for r in quarantined for d in r["failed_dimensions"])
    assert dims == {
        "accuracy": len(OUT_OF_RANGE),
        "completeness": len(MISSING),
        "timeliness": len(FUTURE),
    }

    dead = ds.dataset(
        f"{stack_settings.bucket_deadletter}/energy_meter/v1/",
        filesystem=arrow_filesystem(stack_settings),
        format="parquet",
    ).to_table()
    ours = [
        r
        for r in dead.to_pylist()
        if {"key": wire.HEADER_PRODUCER, "value": producer.encode()} in r["headers"]
    ]
    assert sorted(r["reason_code"] for r in ours) == sorted(r for *_, r in POISON.values())
    assert all(
        r["value"] and r["offset"] >= 0 and r["reason"] for r in ours
    )  # bytes kept, reason said

    runs = airflow_client.runs(stack_settings, "assay_ingest_energy_meter")
    ours = [r for r in runs if datetime.fromisoformat(r["run_after"]) >= began]
    assert ours and "failed" not in {r["state"] for r in ours}  # poison never fails a run

    audit = run_audit(stack_settings, load_contract("energy_meter"))
    assert audit.problems == []
    assert audit.totals.duplicates >= len(REPLAYED)
