"""Edge status reports on the real stack: a signing gateway publishes its spool ledger, the
shared `ledger_inputs` finds it on the status topic, and a release's ledger carries its figures;
a forged report is named and not used; a principal without the ACL is refused, and the ledger
says so.

The status topic and its ACLs are made as ``assay stack up`` makes them (`ensure_topics`,
`stack_kafka_grants`); producer ids are unique per run, the rest is the ledger test's world.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka import KafkaProducer

from assay.config import Settings
from assay.devstack.stack.kafka_auth import EDGE_DEMO, INGEST, principal_security
from assay.devstack.topics import ensure_topics
from assay.govern.access import apply_kafka_grants, identity_key, stack_kafka_grants
from assay.govern.ledger import ledger_inputs
from assay.govern.releases import Buckets, LockedS3Store, LockTerms, create_release
from assay.pipeline.ingest.consumer import KafkaPartition
from assay.pipeline.ingest.landing import land_partition
from assay.pipeline.validate import curation
from assay.pipeline.validate.signers import REGISTRY_KEY
from assay.store.objects import S3Store
from schemas import edge_status, load_contract, wire
from schemas.kafka_security import kafka_python_security
from schemas.signature import sign
from tests.integration._world import ENERGY as WORLD_ENERGY
from tests.integration._world import World, make_world

from .conftest import edge_security_yaml, run_until_acked, topic_of
from .test_ledger_to_release import HEADER, KEY, N, relay, release_buckets, request, rows

pytestmark = pytest.mark.integration
ENERGY = load_contract("energy_meter")


@pytest.fixture(scope="module")
def status_topic(stack_settings: Settings, bootstrap: str) -> str:
    """The status topic and the stack's ACLs for it (edge-demo writes, releaser reads)."""
    ensure_topics(stack_settings, [])
    apply_kafka_grants(stack_settings, stack_kafka_grants())
    return edge_status.TOPIC


@pytest.fixture(scope="module")
def signed_edge(
    tmp_path_factory: pytest.TempPathFactory,
    stack_settings: Settings,
    bootstrap: str,
    status_topic: str,
) -> str:
    """A real gateway signing as edge-demo sends N rows with status reports every second;
    its producer id."""
    folder = tmp_path_factory.mktemp("edge")
    (folder / "in").mkdir()
    (folder / "in" / "a.csv").write_text(HEADER + rows(N))
    master = identity_key(stack_settings, create=True)
    assert master is not None
    (folder / "signing.key").write_text(master.for_principal(EDGE_DEMO).hex())
    producer = f"it-status-{datetime.now(UTC):%H%M%S%f}"
    text = (
        f"producer_id: {producer}\nsite: plant-a\nmetrics: {{port: null}}\n"
        f"status_interval_s: 1\nspool: {{path: spool.db, commit_interval_ms: 20}}\n"
        f"kafka: {{bootstrap: '{bootstrap}', linger_ms: 5, signing_key_file: signing.key, "
        f"{edge_security_yaml(bootstrap)}}}\n"
        f"sources:\n  - {{name: mes, kind: csv, contract: energy_meter, folder: {folder / 'in'},"
        " device_column: meter, time_column: ts, poll_interval_s: 0.05}\n"
    )
    edge = run_until_acked(folder / "edge.yaml", text, N)
    assert edge.stats.status_reports >= 1 and edge.stats.status_errors == 0, edge.stats
    return producer


def forge(settings: Settings, producer: str) -> None:
    """A report claiming ``producer`` sent twice as much, signed by an unregistered gateway
    and written with the demo edge's Kafka credentials (any gateway may write the topic)."""
    master = identity_key(settings)
    assert master is not None
    doc = edge_status.document(producer, "plant-a", 0, False, {"since_seq": 0, "topics": {}})
    value, key = json.dumps(doc).encode(), producer.encode()
    headers = sign(master.for_principal("it-forger"), "it-forger", edge_status.TOPIC, key,
                   [(wire.HEADER_PRODUCER, key)], value)  # fmt: skip
    out = KafkaProducer(
        bootstrap_servers=settings.bootstrap,
        acks="all",
        **kafka_python_security(principal_security(settings, EDGE_DEMO)),
    )
    out.send(edge_status.TOPIC, value, key=key, headers=headers).get(30)
    out.close()


def signed_world(settings: Settings, bootstrap: str, producer: str) -> World:
    """The ledger test's world, with the stack's signers registry, which the ledger judges the
    reports by. A reading's signature covers the topic it was sent to, so the relay into the
    world's topic drops it: edge-demo reserves no producer_id, and the readings count as a
    foreign producer's."""
    world = make_world(settings, f"sts{datetime.now(UTC):%H%M%S%f}")
    registry = S3Store(settings).get(settings.bucket_reports, REGISTRY_KEY)
    S3Store(settings).put(world.all.reports, REGISTRY_KEY, registry)
    relay(bootstrap, world, producer, range(0), unsigned=True)
    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        land_partition(log, world.store, world.land, WORLD_ENERGY, max_records=100)
    curation.validate_pending(world.store, world.all, WORLD_ENERGY, 0)
    return world


def test_a_gateways_signed_report_reaches_the_release_ledger_and_a_forgery_does_not(
    stack_settings: Settings, bootstrap: str, signed_edge: str, tmp_path: Path
) -> None:
    producer = signed_edge
    forge(stack_settings, producer)
    world = signed_world(stack_settings, bootstrap, producer)
    buckets = release_buckets(world)
    store = LockedS3Store(world.settings)
    inputs = ledger_inputs(
        world.settings, store, buckets, ENERGY, topic=world.topic, group=world.group
    )
    (ours,) = [e for e in inputs.edge if e.producer_id == producer]
    assert (ours.sent, ours.signature) == (N, f"verified: signed by {EDGE_DEMO}")
    assert inputs.reports["consulted"] and inputs.kafka["consulted"]
    forged = [r for r in inputs.reports["rejected"] if r["producer_id"] == producer]
    assert forged and "it-forger is not a registered gateway" in forged[-1]["reason"]
    # the world's topic holds this producer's readings alone (the relay), the status topic
    # every producer's reports: the world's ledger takes this producer's
    inputs = replace(inputs, edge=(ours,))
    req = replace(request(b""), edge_reports=())  # the reports come from the topic
    made = create_release(store, buckets, req, KEY, LockTerms.after(req.created, 1), inputs=inputs)
    ledger = made.manifest["ledger"]
    (row,) = [p for p in ledger["producers"] if p["producer_id"] == producer]
    assert (row["edge"]["sent"], row["edge"]["landed_in_scope"]) == (N, N)
    assert row["edge"]["signature"] == f"verified: signed by {EDGE_DEMO}"
    assert ledger["edge_reports"]["source"] == "topic" and ledger["gaps"] == []
    card = store.get(buckets.releases, made.prefix + "README.md").decode()
    assert f"signature verified: `{EDGE_DEMO}`" in card
    assert topic_of("energy_meter") == ledger["topic"]


def test_a_principal_without_the_acl_is_refused_and_the_ledger_says_so(
    stack_settings: Settings, status_topic: str
) -> None:
    security = principal_security(stack_settings, INGEST)
    ingest = stack_settings.model_copy(
        update={
            "kafka_username": INGEST,
            "kafka_password": security.password,
            "kafka_password_file": security.password_file,
        }
    )
    buckets = Buckets.from_settings(stack_settings)
    inputs = ledger_inputs(ingest, S3Store(stack_settings), buckets, ENERGY)
    assert inputs.edge == () and inputs.reports["consulted"] is False
    # Kafka hides a topic from a principal that may not describe it: unknown, not refused
    assert "assay-edge-status" in inputs.reports["problem"]
    assert "may not read it" in inputs.reports["problem"]
