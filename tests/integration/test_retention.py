"""Retention on the real broker and S3 server: topic settings, expiry, and the audit after it.

Expiry runs on a gateway of this module set up as `assay stack up` sets up the stack's
(buckets versioned, every role's policy applied), with the pipeline role's own keys: the
test proves the role can do it and that nothing else can.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
from minio.error import S3Error

from assay.config import EDGE, PIPELINE, ROOT, STEWARD, Settings
from assay.govern.audit import Audit, audit
from assay.govern.retention import install_lifecycle, lifecycle_days, run_retention
from assay.govern.roles import Actor
from assay.govern.triage import RowFilter, decide, materialize
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import MemoryPartition, land_partition
from assay.pipeline.validate import curation
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.expiry import load_ledger, load_object_ledger
from assay.store.objects import S3Store, s3_client
from producers.topics import ensure_topics
from schemas import Contract, Retention, load_contract, topic_name, wire
from schemas.kafka_security import kafka_python_security

from .conftest import Gateway

pytestmark = pytest.mark.integration

TOPIC = "assay.energy_meter.v1"


def _admin(settings: Settings) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=settings.bootstrap,
        **kafka_python_security(settings.kafka_security()),
    )


def _topic_config(settings: Settings, topic: str, key: str = "retention.ms") -> str:
    admin = _admin(settings)
    try:
        wanted = ConfigResource(ConfigResourceType.TOPIC, topic, configs={key: None})
        found = admin.describe_configs([wanted], config_filter="all")
    finally:
        admin.close()
    return str(found["topic"][topic][key]["value"])


def test_topic_retention_is_the_contracts_when_created_and_altered(
    stack_settings: Settings, unique: str
) -> None:
    security = stack_settings.kafka_security()
    contract = load_contract("energy_meter").model_copy(
        update={"name": f"rt_{unique}", "partitions": 1, "retention": Retention(kafka="2h")}
    )
    (state,) = ensure_topics(stack_settings.bootstrap, [contract], security=security)
    assert state.created and _topic_config(stack_settings, state.topic) == str(2 * 3600_000)

    admin = _admin(stack_settings)
    other = {"max.message.bytes": "2097152"}
    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, state.topic, configs=other)])
    admin.close()

    longer = contract.model_copy(update={"retention": Retention(kafka="3h")})
    (altered,) = ensure_topics(stack_settings.bootstrap, [longer], security=security)
    assert not altered.created and altered.altered == {"retention.ms": str(3 * 3600_000)}
    assert _topic_config(stack_settings, topic_name(longer)) == str(3 * 3600_000)
    assert _topic_config(stack_settings, state.topic, "max.message.bytes") == "2097152"
    (again,) = ensure_topics(stack_settings.bootstrap, [longer], security=security)
    assert again.altered == {} and again.configs["retention.ms"] == str(3 * 3600_000)


def _records(count: int) -> list[Record]:
    """energy_meter readings; one out of range (quarantined), one undecodable (dead letter)."""
    headers = tuple(
        (k, v.encode())
        for k, v in {wire.HEADER_CONTRACT: "energy_meter", wire.HEADER_VERSION: "1.0.0"}.items()
    )
    records = []
    for n in range(count):
        stamp = f"2026-03-01T08:00:{n:02d}"
        value = {
            "producer_id": "edge-1",
            "seq": n,
            "site": "plant-a",
            "device_id": f"meter-{n % 2}",
            "event_time": stamp + ".000Z",
            "ingest_time": stamp + ".500Z",
            "active_power": 42.5,
            "active_energy": 1000.0 + n,
            "voltage_l1": 9999.0 if n == 4 else 230.1,
            "current_l1": 61.2,
            "power_factor": 0.95,
            "frequency": 50.0,
        }
        payload = b"junk" if n == 6 else json.dumps(value).encode()
        records.append(Record(TOPIC, 0, n, 0, b"m", payload, headers))
    return records


def _audit(store: S3Store, buckets: Buckets, contract: Contract) -> Audit:
    return audit(store, buckets, buckets.deadletter, contract, {0: (0, 30, 30)})


def _versions(settings: Settings, bucket: str) -> list[object]:
    client = s3_client(settings.as_role(ROOT))
    return list(
        client.list_objects(bucket, prefix="energy_meter/", recursive=True, include_version=True)
    )


def test_a_raw_segment_past_a_one_second_retention_is_gone_and_the_audit_balances(
    private_gateway: Gateway,
) -> None:
    settings = private_gateway({})
    contract: Contract = load_contract("energy_meter").model_copy(
        update={"partitions": 1, "retention": Retention(kafka="1h", raw="1s", curated="30d")}
    )
    store, buckets = S3Store(settings.as_role(PIPELINE)), Buckets.from_settings(settings)
    log = MemoryPartition(_records(30), topic=TOPIC)
    land_partition(log, store, buckets, contract, max_records=10)
    curation.validate_pending(store, buckets, contract, 0)
    curation.validate_segment(store, buckets, contract, store.keys(buckets.raw, "energy_meter/")[0])
    before = _audit(store, buckets, contract)
    assert before.problems == [] and before.totals.dead_lettered == 1

    run = run_retention(settings, contract, datetime.now(UTC) + timedelta(seconds=2))
    assert run.layers()["raw"] == (3, 3, 29)
    for bucket in (buckets.raw, buckets.deadletter, buckets.quarantine):
        assert _versions(settings, bucket) == [], bucket  # every version, no delete marker
    after = _audit(store, buckets, contract)
    assert after.problems == [] and after.expired_spans(0) == [(0, 30)]
    assert after.totals.expired == after.totals.produced == before.totals.produced
    for name in ("curated", "quarantined", "dead_lettered", "duplicates"):
        assert getattr(after.totals, name) == getattr(before.totals, name), name
    ledger = load_ledger(store, buckets.reports, contract.name, contract.major, 0)
    assert [e.start_offset for e in ledger.segments.values()] == [0, 10, 20]
    assert run_retention(settings, contract, datetime.now(UTC) + timedelta(seconds=3)).expired == []


def test_only_the_pipeline_removes_versions_and_never_in_reports(
    private_gateway: Gateway,
) -> None:
    settings = private_gateway({})
    buckets = Buckets.from_settings(settings)
    S3Store(settings.as_role(PIPELINE)).put(buckets.raw, "energy_meter/v1/x.parquet", b"x")
    S3Store(settings.as_role(PIPELINE)).put(buckets.reports, "energy_meter/v1/x.json", b"x")
    (raw,) = S3Store(settings.as_role(PIPELINE)).list_versions(buckets.raw, "energy_meter/")
    (report,) = S3Store(settings.as_role(ROOT)).list_versions(buckets.reports, "energy_meter/")
    steward = s3_client(settings.as_role(STEWARD))
    with pytest.raises(S3Error) as refused:
        steward.remove_object(buckets.raw, raw.key, version_id=raw.version_id)
    assert refused.value.code == "AccessDenied"
    pipeline = s3_client(settings.as_role(PIPELINE))
    with pytest.raises(S3Error) as refused:
        pipeline.remove_object(buckets.reports, report.key, version_id=report.version_id)
    assert refused.value.code == "AccessDenied"
    with pytest.raises(S3Error) as refused:
        pipeline.remove_object(buckets.raw, raw.key)  # a plain delete: a marker, still denied
    assert refused.value.code == "AccessDenied"
    pipeline.remove_object(buckets.raw, raw.key, version_id=raw.version_id)
    assert _versions(settings, buckets.raw) == []


def test_lifecycle_rules_are_detected_as_unsupported_and_the_command_sweeps(
    private_gateway: Gateway,
) -> None:
    settings = private_gateway({})
    contract = load_contract("energy_meter")
    found = install_lifecycle(settings.as_role(ROOT), [contract])
    data_layers = ("raw", "deadletter", "quarantine", "curated")
    assert found == {settings.buckets[r]: "NotImplemented" for r in data_layers}  # Versity 1.8
    buckets, pipeline = Buckets.from_settings(settings), S3Store(settings.as_role(PIPELINE))
    for _ in range(2):
        pipeline.put(buckets.curated, "energy_meter/v1/date=2026-03-01/x.parquet", b"x")
    later = datetime.now(UTC) + timedelta(days=lifecycle_days(contract, "curated"), seconds=1)
    run = run_retention(settings, contract, later)
    assert run.noncurrent[buckets.curated] == 1
    (kept,) = pipeline.list_versions(buckets.curated, "energy_meter/")
    assert kept.latest


def test_a_gateway_principal_leaves_topic_settings_alone(stack_settings: Settings) -> None:
    """The edge may write its topics but not read their settings: `assay-edge topics ensure`
    reports the topic and changes nothing, rather than failing."""
    from assay.devstack.stack.kafka_auth import EDGE_DEMO, principal_security

    energy = load_contract("energy_meter")
    before = _topic_config(stack_settings, topic_name(energy))
    shorter = energy.model_copy(update={"retention": Retention(kafka="1h")})
    security = principal_security(stack_settings, EDGE_DEMO)
    (state,) = ensure_topics(stack_settings.bootstrap, [shorter], security=security)
    assert not state.created and state.matches and state.configs == state.altered == {}
    assert _topic_config(stack_settings, topic_name(energy)) == before


def test_accepted_rows_and_claims_expire_on_the_stack_and_the_audit_balances(
    stack_settings: Settings, unique: str
) -> None:
    """On the shared stack's buckets under a contract name of this test alone: the steward
    accepts the quarantined reading, the edge puts an image, and retention (as the pipeline
    role) removes both at retention.curated, recorded, with the audit balanced after it."""
    name = f"rt_{unique}"
    contract: Contract = load_contract("energy_meter").model_copy(
        update={
            "name": name,
            "partitions": 1,
            "retention": Retention(kafka="1h", raw="1s", curated="2s"),
        }
    )
    store, buckets = (
        S3Store(stack_settings.as_role(PIPELINE)),
        Buckets.from_settings(stack_settings),
    )
    topic = topic_name(contract)
    records = [r._replace(topic=topic, headers=()) for r in _records(30)]  # foreign producers
    land_partition(MemoryPartition(records, topic=topic), store, buckets, contract, max_records=10)
    curation.validate_pending(store, buckets, contract, 0)
    steward = S3Store(stack_settings.as_role(STEWARD))
    decision = decide(steward, buckets, contract, "accept", RowFilter(rule="range:voltage_l1"),
                      "probe swapped", Actor("mei", "steward"))  # fmt: skip
    (accepted,) = decision.curated
    claim = f"{layout.claims_prefix(name)}meter-1/2026-03-01/s-1.png"
    S3Store(stack_settings.as_role(EDGE)).put(buckets.raw, claim, b"\x89PNG")
    before = _audit(store, buckets, contract)
    assert before.problems == [] and before.totals.accepted == 1

    run = run_retention(stack_settings, contract, datetime.now(UTC) + timedelta(seconds=3))
    assert sorted((e.layer, e.key) for e in run.objects) == [
        ("accepted", accepted),
        ("claims", claim),
    ]
    root = S3Store(stack_settings.as_role(ROOT))
    assert root.list_versions(buckets.curated, accepted) == []
    assert root.list_versions(buckets.raw, claim) == []
    ledger = load_object_ledger(store, buckets.reports, name, contract.major)
    assert ledger.expired("accepted", accepted) is not None
    after = _audit(store, buckets, contract)
    assert after.problems == [] and after.totals.accepted == 1
    assert after.totals.curated == before.totals.curated
    assert materialize(steward, buckets, contract, decision) == []
