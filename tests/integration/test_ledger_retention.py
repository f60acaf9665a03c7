"""The ledger after retention on the real broker and S3 server: readings landed, validated and
then removed with their raw objects are landed-then-expired, not missing; undecodable
records count as their headers' producer's dead-lettered seqs; segments landed without seq
runs get them from their raw and dead-letter objects before retention removes those.

A topic, group and buckets of the test's own (`_world`); the edge's report is the document
`assay-edge status --json` writes, for the seqs this test sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaProducer

from assay.config import Settings
from assay.govern.audit import kafka_offsets
from assay.govern.ledger import LedgerInputs, build_ledger, parse_edge_report
from assay.govern.retention import apply_retention
from assay.pipeline.ingest.consumer import KafkaPartition
from assay.pipeline.ingest.landing import land_partition
from assay.pipeline.validate import curation
from assay.store import layout
from assay.store.buckets import Buckets
from schemas import Retention, wire
from schemas.kafka_security import kafka_python_security

from ._world import ENERGY, World, make_world, reading

pytestmark = pytest.mark.integration

N = 250
JUNK = range(100, 103)  # undecodable, but their headers say whose seqs they were
PRODUCER = "edge-faults"  # `_world.reading`'s


def send(world: World) -> None:
    """Seqs 0..N-1 with the edge's headers, acks=all; JUNK's payloads are not JSON."""
    producer = KafkaProducer(
        bootstrap_servers=world.settings.bootstrap,
        acks="all",
        **kafka_python_security(world.settings.kafka_security()),
    )
    for i in range(N):
        headers = [(wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0"),
                   (wire.HEADER_PRODUCER, PRODUCER.encode()), (wire.HEADER_SEQ, b"%d" % i),
                   (wire.HEADER_COUNT, b"1")]  # fmt: skip
        value = b"\x00not json" if i in JUNK else json.dumps(reading(i)).encode()
        producer.send(world.topic, value, key=b"k", headers=headers)
    producer.flush(60)
    producer.close()


def edge_report(topic: str) -> bytes:
    """What the edge's spool says: seqs 0..N-1 sent to ``topic``, Kafka acknowledged all."""
    counts = {"contract": "energy_meter", "spooled": N, "first_seq": 0, "last_seq": N - 1,
              "sent": N, "held": 0, "held_ranges": [], "dropped": 0, "dropped_ranges": [],
              "parked": 0, "parked_ranges": []}  # fmt: skip
    ledger = {"since_seq": 0, "next_seq": N, "topics": {topic: counts}}
    return json.dumps({"ok": True, "producer_id": PRODUCER, "ledger": ledger}).encode()


def test_a_ledger_after_retention_removed_the_raw_segments_has_no_false_gap(
    stack_settings: Settings, unique: str
) -> None:
    world = make_world(stack_settings, f"lsq{unique}")
    send(world)
    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        land_partition(log, world.store, world.land, ENERGY, max_records=60)
    curation.validate_pending(world.store, world.all, ENERGY, 0)
    buckets = Buckets(raw=world.land.raw, deadletter=world.land.deadletter,
                      curated=world.all.curated, quarantine=world.all.quarantine,
                      reports=world.all.reports, releases=f"it-none-{unique}")  # fmt: skip

    stems = sorted(k for k in world.store.keys(buckets.reports, "") if k.endswith("/seqs.json"))
    assert len(stems) == 5
    for key in stems[:2]:  # as if landed before seq runs: retention makes them from raw first
        world.store.delete(buckets.reports, key)

    short = ENERGY.model_copy(update={"retention": Retention(raw="1s", curated="3650d")})
    run = apply_retention(world.store, buckets, short, datetime.now(UTC) + timedelta(seconds=5))
    assert run.layers()["raw"][0] == 5  # every segment's raw object
    prefix = layout.dataset_prefix(ENERGY.name, ENERGY.major)
    assert not [k for k in world.store.keys(buckets.raw, prefix) if k.endswith(".parquet")]

    offsets = kafka_offsets(world.settings, world.topic, world.group)
    edge = parse_edge_report(edge_report(world.topic), "gw.json", world.topic)
    assert edge is not None
    release = {"rows": 0, "files": 0, "by_producer": None}
    inputs = LedgerInputs(offsets, {"consulted": True, "problem": None}, (edge,))
    ledger = build_ledger(world.store, buckets, ENERGY, inputs, release)

    assert ledger["gaps"] == [], [g["detail"] for g in ledger["gaps"]]
    (producer,) = ledger["producers"]
    assert producer["landed"] == producer["expired"] == N - len(JUNK)
    assert producer["dead_lettered"] == {
        "readings": len(JUNK),
        "distinct": len(JUNK),
        "attributed_by": "header",
    }
    assert (producer["edge"]["landed_in_scope"], producer["edge"]["dead_lettered_in_scope"]) == (
        N - len(JUNK),
        len(JUNK),
    )
    (part,) = ledger["partitions"]
    assert (part["landed_to"], part["expired"], part["dead_lettered"]) == (N, N, len(JUNK))
