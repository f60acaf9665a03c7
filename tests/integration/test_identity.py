"""Identity binds data on the real stack: a gateway principal signs what it writes, and
readings it may not claim, or whose seq leaps implausibly, are quarantined, not curated.

The gateway is a principal of its own, allowed to write this test's topic only, sending
through the edge's transport (kafka-python, signing every record). Ingest checks the
signatures with the identity master key, validation judges them against the signers
registry, and `assay audit` balances.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr

from assay.config import Settings
from assay.govern.access import (
    apply_kafka_grants,
    default_patterns,
    gateway_kafka_grants,
    identity_key,
    register_signer,
    set_kafka_password,
)
from assay.pipeline.ingest.consumer import KafkaPartition
from assay.pipeline.ingest.landing import land_partition
from assay.pipeline.validate import curation
from assay.pipeline.validate.keyring import (
    identity_keyring,
    retire_identity_keys,
    rotate_identity_key,
)
from assay.store.parquet import from_parquet
from producers import KafkaSecurity, KafkaSettings, SinkError
from producers.signing import SigningTransport
from producers.sink import open_transport
from schemas import wire

from ._world import ENERGY, World, make_world, reading
from .test_kafka_security import _remove_principal

pytestmark = pytest.mark.integration

HUGE = 2**63 - 1


@pytest.fixture
def world(stack_settings: Settings, unique: str) -> World:
    """A world whose settings carry an identity master key of this test's own."""
    settings = stack_settings.model_copy(update={"identity_key": SecretStr(secrets.token_hex(32))})
    made = make_world(settings, f"id-{unique}")
    return World(settings, made.topic, made.group, made.land, made.all)


@pytest.fixture
def gateway(world: World, unique: str) -> Iterator[tuple[str, KafkaSecurity]]:
    """A gateway principal that may write the world's topic and nothing else."""
    with _gateway(world, unique) as found:
        yield found


@contextmanager
def _gateway(world: World, unique: str) -> Iterator[tuple[str, KafkaSecurity]]:
    name, password = f"edge-id-{unique}", secrets.token_urlsafe(18)
    set_kafka_password(world.settings, name, password)
    apply_kafka_grants(world.settings, gateway_kafka_grants(name, [world.topic]))
    register_signer(world.store, world.all.reports, name, default_patterns(name))
    security = KafkaSecurity(
        protocol="SASL_SSL",
        username=name,
        password=SecretStr(password),
        ca_file=world.settings.kafka_security().ca_file,
    )
    try:
        yield name, security
    finally:
        _remove_principal(world.settings, name)


def send(world: World, transport, readings: list[dict[str, object]]) -> None:
    """Send JSON readings with the edge's headers; every one acknowledged."""
    errors: list[SinkError | None] = []
    done = threading.Semaphore(0)

    def report(error: SinkError | None) -> None:
        errors.append(error)
        done.release()

    for r in readings:
        headers = [
            (wire.HEADER_CONTRACT, b"energy_meter"),
            (wire.HEADER_VERSION, b"1.0.0"),
            (wire.HEADER_PRODUCER, str(r["producer_id"]).encode()),
            (wire.HEADER_SEQ, str(r["seq"]).encode()),
        ]
        transport.send(world.topic, b"k", json.dumps(r).encode(), headers, report)
    transport.flush(30)
    assert all(done.acquire(timeout=30) for _ in readings)
    assert errors == [None] * len(readings)


def as_(producer: str, i: int, seq: int | None = None) -> dict[str, object]:
    return {**reading(i), "producer_id": producer, "seq": i if seq is None else seq}


def test_foreign_ids_and_forged_seqs_are_quarantined_and_later_readings_curate(
    world: World, gateway: tuple[str, KafkaSecurity]
) -> None:
    name, security = gateway
    master = identity_key(world.settings)
    assert master is not None
    kafka = open_transport(KafkaSettings(bootstrap=world.settings.bootstrap, security=security))
    signed = SigningTransport(kafka, name, master.for_principal(name))
    try:
        send(world, signed, [as_(name, i) for i in range(10)])
        send(world, signed, [as_("edge-faults", 10)])  # a producer_id it may not use
        send(world, signed, [as_(name, 11, HUGE)])  # a forged seq under its own id
        send(world, signed, [as_(f"{name}-line-2", i) for i in range(12, 15)])
        send(world, signed, [as_(name, i) for i in range(15, 20)])  # still curated
    finally:
        signed.close(10)
    admin = open_transport(
        KafkaSettings(bootstrap=world.settings.bootstrap, security=world.settings.kafka_security())
    )
    try:
        send(world, admin, [as_(name, 20)])  # unsigned, under the gateway's own id
    finally:
        admin.close(10)

    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        land_partition(log, world.store, world.land, ENERGY, keys=master.lookup())
    summaries = curation.validate_pending(world.store, world.all, ENERGY, 0)

    by_rule: dict[str, int] = {}
    for summary in summaries:
        for rule, n in summary.by_rule.items():
            by_rule[rule] = by_rule.get(rule, 0) + n
    assert by_rule == {"identity": 2, "seq_jump": 1}
    assert sum(s.curated for s in summaries) == 18
    rows = [
        row
        for s in summaries
        if s.quarantine_key
        for row in from_parquet(world.store.get(world.all.quarantine, s.quarantine_key)).to_pylist()
    ]
    found = {(r["producer_id"], r["seq"]): r["failed_rules"] for r in rows}
    assert found == {
        ("edge-faults", 10): ["identity"],
        (name, HUGE): ["seq_jump"],
        (name, 20): ["identity"],
    }
    assert {r["kafka_signer"] for r in rows} == {name, None}
    result = world.audit()
    assert result.problems == []
    assert (result.totals.produced, result.totals.quarantined) == (21, 3)


@pytest.fixture
def keyed_world(stack_settings: Settings, unique: str, tmp_path: Path) -> World:
    """A world whose identity master key is a key file of this test's own (rotation writes
    files; a key set in the settings is rotated where it is set)."""
    settings = stack_settings.model_copy(
        update={"identity_key": SecretStr(""), "identity_key_file": tmp_path / "identity.key"}
    )
    identity_key(settings, create=True)
    made = make_world(settings, f"idr-{unique}")
    return World(settings, made.topic, made.group, made.land, made.all)


def _signing(world: World, name: str, security: KafkaSecurity) -> SigningTransport:
    """The gateway's transport, signing with the key its current master key derives."""
    master = identity_key(world.settings)
    assert master is not None
    kafka = open_transport(KafkaSettings(bootstrap=world.settings.bootstrap, security=security))
    return SigningTransport(kafka, name, master.for_principal(name))


def _land(world: World) -> list[curation.Summary]:
    """Ingest with the keyring, as the DAG's task does, then validate."""
    ring = identity_keyring(world.settings)
    assert ring is not None
    keys = ring.lookup()
    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        land_partition(log, world.store, world.land, ENERGY, keys=keys)
    return curation.validate_pending(world.store, world.all, ENERGY, 0)


def test_a_rotated_identity_key_keeps_old_signatures_valid_until_retired(
    keyed_world: World, unique: str
) -> None:
    world = keyed_world
    with _gateway(world, unique) as (name, security):
        old = _signing(world, name, security)  # a gateway not re-enrolled yet
        send(world, old, [as_(name, i) for i in range(5)])
        rotate_identity_key(world.settings)
        new = _signing(world, name, security)  # a re-enrolled gateway
        send(world, new, [as_(name, i) for i in range(5, 10)])
        send(world, old, [as_(name, i) for i in range(10, 12)])  # signed before re-enrolment
        first = _land(world)
        assert sum(s.curated for s in first) == 12 and sum(s.quarantined for s in first) == 0
        retire_identity_keys(world.settings)
        send(world, old, [as_(name, 12)])  # the old key after it was retired
        send(world, new, [as_(name, 13)])
        old.close(10)
        new.close(10)
        later = _land(world)
        assert [s.by_rule for s in later] == [{"identity": 1}]
        assert sum(s.curated for s in later) == 1
        result = world.audit()
        assert result.problems == [] and (result.totals.curated, result.totals.quarantined) == (
            13,
            1,
        )
