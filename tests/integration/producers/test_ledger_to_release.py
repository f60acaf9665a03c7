"""The ledger from edge to release on the real stack: a real edge, Kafka, landing, validation,
a release whose ledger verifies online and offline, and a window with a gap refused.

The edge writes to the shared contract topic; the test relays its producer's records (bytes
and headers unchanged) into a one-partition topic and buckets of its own, so the ledger
counts only what this test made. Leaving seqs out of the relay is the gap: readings the
edge's spool says Kafka acknowledged that never reached landing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer
from minio.commonconfig import ENABLED
from minio.versioningconfig import VersioningConfig
from typer.testing import CliRunner

from assay.config import Settings
from assay.govern.ledger import ledger_inputs
from assay.govern.releases import (
    Buckets,
    LockedS3Store,
    LockTerms,
    MaskingKey,
    ReleaseRequest,
    create_release,
    download_release,
    verify_folder,
    verify_release,
)
from assay.govern.releases._errors import UnreconciledWindow
from assay.pipeline.ingest.consumer import KafkaPartition
from assay.pipeline.ingest.landing import land_partition
from assay.pipeline.validate import curation
from assay.store.objects import s3_client
from producers.cli import app as edge_app
from schemas import load_contract
from schemas.kafka_security import kafka_python_security
from tests.integration._world import ENERGY, World, make_world

from .conftest import edge_security_yaml, reader, run_until_acked, topic_of

pytestmark = pytest.mark.integration

N = 240
KEY = MaskingKey(b"ledger-masking-key".ljust(32, b"."), "test")
HEADER = "ts,meter,active_power,voltage_l1,power_factor,frequency,current_l1,active_energy\n"


def rows(n: int) -> str:
    return "".join(
        f"2025-03-01T09:{i // 60 % 60:02d}:{i % 60:02d}.250Z,"
        f"m-{i % 3},{i},230,0.9,50,10,{1000 + i}\n"
        for i in range(n)
    )


@pytest.fixture(scope="module")
def edge_run(
    tmp_path_factory: pytest.TempPathFactory, stack_settings: Settings, bootstrap: str
) -> tuple[str, bytes]:
    """A real edge sends N CSV rows; its producer id and its `status --json` document."""
    folder = tmp_path_factory.mktemp("edge")
    (folder / "in").mkdir()
    (folder / "in" / "a.csv").write_text(HEADER + rows(N))
    producer = f"it-ledger-{datetime.now(UTC):%H%M%S%f}"
    text = (
        f"producer_id: {producer}\nsite: plant-a\nmetrics: {{port: null}}\n"
        f"spool: {{path: spool.db, commit_interval_ms: 20}}\n"
        f"kafka: {{bootstrap: '{bootstrap}', linger_ms: 5, {edge_security_yaml(bootstrap)}}}\n"
        f"sources:\n  - {{name: mes, kind: csv, contract: energy_meter, folder: {folder / 'in'},"
        " device_column: meter, time_column: ts, poll_interval_s: 0.05}\n"
    )
    run_until_acked(folder / "edge.yaml", text, N)
    status = CliRunner().invoke(edge_app, ["status", "--json", str(folder / "edge.yaml")])
    assert status.exit_code == 0, status.output
    return producer, status.stdout.encode()


def relay(
    bootstrap: str, world: World, producer: str, skip: range, *, unsigned: bool = False
) -> None:
    """Copy the producer's records from the contract topic into the world's topic (without
    their signature headers when ``unsigned``)."""
    dropped = ("signer", "signature") if unsigned else ()
    out = KafkaProducer(
        bootstrap_servers=world.settings.bootstrap,
        acks="all",
        **kafka_python_security(world.settings.kafka_security()),
    )
    consumer, seen = reader(bootstrap, topic_of("energy_meter")), set[int]()
    try:
        while len(seen) < N:
            for r in consumer:
                headers = dict(r.headers)
                if headers.get("producer_id") != producer.encode():
                    continue
                seq = int(headers["seq"])
                seen.add(seq)
                if seq not in skip:
                    kept = [(k, v) for k, v in r.headers if k not in dropped]
                    out.send(world.topic, r.value, key=r.key, headers=kept)
    finally:
        consumer.close()
    out.flush(60)
    out.close()


def landed_world(stack_settings: Settings, bootstrap: str, producer: str, skip: range) -> World:
    world = make_world(stack_settings, f"ldg{datetime.now(UTC):%H%M%S%f}")
    relay(bootstrap, world, producer, skip)
    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        land_partition(log, world.store, world.land, ENERGY, max_records=100)
    curation.validate_pending(world.store, world.all, ENERGY, 0)
    return world


def release_buckets(world: World) -> Buckets:
    releases = f"{world.land.raw}-rel"

    client = s3_client(world.settings)
    client.make_bucket(releases, object_lock=True)
    client.set_bucket_versioning(releases, VersioningConfig(ENABLED))
    return Buckets(raw=world.land.raw, deadletter=world.land.deadletter,
                   curated=world.all.curated, quarantine=world.all.quarantine,
                   reports=world.all.reports, releases=releases)  # fmt: skip


def request(report: bytes) -> ReleaseRequest:
    return ReleaseRequest(
        contract=load_contract("energy_meter"),
        version="1.0.0",
        date_from=date(2025, 3, 1),
        date_to=date(2025, 3, 1),
        created=datetime.now(UTC).replace(microsecond=0),
        licence="CC-BY-4.0",
        requested_by="it-steward",
        edge_reports=(("gw.json", report),),
    )


def release(world: World, report: bytes) -> dict[str, Any]:
    buckets, req = release_buckets(world), request(report)
    store = LockedS3Store(world.settings)
    inputs = ledger_inputs(world.settings, store, buckets, req.contract, req.edge_reports,
                           topic=world.topic, group=world.group)  # fmt: skip
    made = create_release(store, buckets, req, KEY, LockTerms.after(req.created, 1), inputs=inputs)
    return made.manifest | {"_bucket": buckets.releases}


def test_a_real_edge_window_reconciles_and_verifies(
    stack_settings: Settings, bootstrap: str, edge_run: tuple[str, bytes], tmp_path: Path
) -> None:
    producer, report = edge_run
    assert json.loads(report)["ledger"]["topics"][topic_of("energy_meter")]["sent"] == N
    world = landed_world(stack_settings, bootstrap, producer, range(0))
    manifest = release(world, report)
    ledger = manifest["ledger"]
    (ours,) = [p for p in ledger["producers"] if p["producer_id"] == producer]
    assert (ours["edge"]["sent"], ours["distinct"]) == (N, N)
    first = ledger["partitions"][0]
    assert (first["log_end"], first["committed"], first["produced"]) == (N, N, N)
    placed = ("curated", "quarantined", "dead_lettered", "duplicates")
    assert sum(first[k] for k in placed) == N, first  # some rows break the contract's rules
    assert ours["in_release"] == ledger["release"]["rows"] == first["curated"] > 0
    assert ledger["gaps"] == []
    store = LockedS3Store(world.settings)
    assert verify_release(store, manifest["_bucket"], "energy_meter", "1.0.0").ok
    folder = download_release(store, manifest["_bucket"], "energy_meter", "1.0.0", tmp_path / "r")
    assert verify_folder(folder).ok


def test_a_window_with_a_gap_is_refused_naming_it(
    stack_settings: Settings, bootstrap: str, edge_run: tuple[str, bytes]
) -> None:
    producer, report = edge_run
    world = landed_world(stack_settings, bootstrap, producer, range(100, 110))
    with pytest.raises(UnreconciledWindow) as info:
        release(world, report)
    (gap,) = info.value.gaps
    assert (gap.kind, gap.producer, gap.seqs, gap.readings) == ("edge", producer, [[100, 109]], 10)
