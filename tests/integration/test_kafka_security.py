"""The secured broker refuses whoever is not allowed, each with the broker's own reason.

No credentials, a wrong password or an unknown principal, a gateway writing another contract's
topic, a consumer joining the ingest group as the edge or the watcher, a client without the
stack's certificate on the controller listener. Each refusal is asserted as the client sees it
through assay's own clients where one exists (the edge transports, the ingest consumer).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException
from pydantic import SecretStr, ValidationError

from assay.config import Settings
from assay.devstack.stack.kafka_auth import EDGE_DEMO, INGEST, WATCHER, password_file
from assay.errors import KafkaRefused
from assay.govern.access import apply_kafka_grants, gateway_kafka_grants, set_kafka_password
from assay.pipeline.ingest.consumer import KafkaPartition, ingest_group
from producers import KafkaSecurity, KafkaSettings, SinkError
from producers.sink import open_transport
from schemas import load_contract, topic_name
from schemas.kafka_security import librdkafka_security

pytestmark = pytest.mark.integration

ENERGY = topic_name(load_contract("energy_meter"))
MACHINE = topic_name(load_contract("machine_condition"))


@pytest.fixture(scope="module")
def secured(stack_settings: Settings) -> Settings:
    """The stack's settings; these tests need the secured stack, not `--insecure`."""
    if stack_settings.kafka_security_protocol != "SASL_SSL":
        pytest.fail("the stack runs PLAINTEXT (--insecure); run `assay stack up`", pytrace=False)
    return stack_settings


def as_user(settings: Settings, user: str, password: str | None = None) -> Settings:
    """The settings as ``user`` of the stack, or with ``password`` instead of its file."""
    if password is None:
        update: dict[str, Any] = {"kafka_password_file": password_file(settings.state_dir, user)}
    else:
        update = {"kafka_password_file": None, "kafka_password": SecretStr(password)}
    return settings.model_copy(update={"kafka_username": user, **update})


def list_topics(bootstrap: str, security: dict[str, str]) -> tuple[int, list[KafkaError]]:
    """A metadata request as a librdkafka client: topics seen, and the client's errors."""
    errors: list[KafkaError] = []
    config = {"bootstrap.servers": bootstrap, "group.id": "none", "log_level": 0, **security}
    consumer = Consumer(config | {"error_cb": errors.append})
    try:
        return len(consumer.list_topics(timeout=5).topics), errors
    except KafkaException:
        consumer.poll(0.5)  # serves the error callback
        return 0, errors
    finally:
        consumer.close()


def test_a_client_without_credentials_learns_nothing(secured: Settings) -> None:
    ca = secured.kafka_security().ca_file
    plain = librdkafka_security(KafkaSecurity())
    tls_only = librdkafka_security(KafkaSecurity(protocol="SSL", ca_file=ca))
    for security in (plain, tls_only):
        topics, errors = list_topics(secured.bootstrap, security)
        assert topics == 0
        assert {e.name() for e in errors} <= {"_TRANSPORT", "_ALL_BROKERS_DOWN"}, errors
    with pytest.raises(ValidationError, match="SASL_SSL needs a username and a password"):
        KafkaSecurity(protocol="SASL_SSL", ca_file=ca)


@pytest.mark.parametrize("user", [INGEST, "nobody"])
def test_a_wrong_password_fails_sasl_authentication(secured: Settings, user: str) -> None:
    wrong = as_user(secured, user, password="not-the-password")
    topics, errors = list_topics(secured.bootstrap, librdkafka_security(wrong.kafka_security()))
    assert topics == 0
    refused = [e for e in errors if e.name() == "_AUTHENTICATION"]
    assert refused, errors
    assert "SASL authentication error" in refused[0].str()
    assert "invalid credentials" in refused[0].str()
    with pytest.raises(KafkaRefused) as caught, KafkaPartition(wrong, ENERGY, 0, "g") as log:
        log.committed()
    assert caught.value.code == "_AUTHENTICATION"


@pytest.fixture
def gateway(secured: Settings, unique: str) -> Iterator[KafkaSecurity]:
    """A gateway principal allowed to write the energy_meter topic, removed afterwards."""
    name, password = f"edge-it-{unique}", secrets.token_urlsafe(18)
    set_kafka_password(secured, name, password)
    apply_kafka_grants(secured, gateway_kafka_grants(name, [ENERGY]))
    base = secured.kafka_security()
    yield KafkaSecurity(
        protocol="SASL_SSL", username=name, password=SecretStr(password), ca_file=base.ca_file
    )
    _remove_principal(secured, name)


@pytest.mark.parametrize("client", ["kafka-python", "librdkafka"])
def test_a_gateway_writes_its_own_contract_topic_only(
    secured: Settings, gateway: KafkaSecurity, client: str
) -> None:
    settings = KafkaSettings(
        bootstrap=secured.bootstrap,
        client=client,  # type: ignore[arg-type]
        security=gateway,
        delivery_timeout_ms=20_000,
    )
    transport = open_transport(settings)
    reports: dict[str, SinkError | None] = {}
    done = threading.Event()

    def report(topic: str) -> Any:
        def delivered(error: SinkError | None) -> None:
            reports[topic] = error
            if len(reports) == 2:
                done.set()

        return delivered

    try:
        for topic in (ENERGY, MACHINE):
            transport.send(topic, b"k", b"{}", [("producer_id", b"it")], report(topic))
        assert done.wait(30), reports
    finally:
        transport.close(10)
    assert reports[ENERGY] is None
    refused = reports[MACHINE]
    assert isinstance(refused, SinkError) and not refused.transient
    assert refused.topic == MACHINE
    name = {"kafka-python": "TopicAuthorizationFailedError", "librdkafka": "TOPIC_AUTHORIZATION"}
    assert name[client] in refused.problem


@pytest.mark.parametrize("user", [EDGE_DEMO, WATCHER])
def test_the_ingest_group_refuses_the_edge_and_the_watcher(secured: Settings, user: str) -> None:
    with (
        pytest.raises(KafkaRefused) as caught,
        KafkaPartition(as_user(secured, user), ENERGY, 0, ingest_group("energy_meter")) as log,
    ):
        log.committed()
    assert caught.value.code == "GROUP_AUTHORIZATION_FAILED"
    assert caught.value.topic == ENERGY


def test_the_ingest_principal_reads_its_group(secured: Settings, unique: str) -> None:
    group = ingest_group(f"it-{unique}")
    with KafkaPartition(as_user(secured, INGEST), ENERGY, 0, group) as log:
        assert log.committed() is None
        low, high = log.bounds()
        assert 0 <= low <= high


def test_the_controller_listener_wants_the_stacks_certificate(secured: Settings) -> None:
    controller = f"127.0.0.1:{secured.kafka_controller_port}"
    tls = librdkafka_security(KafkaSecurity(protocol="SSL", ca_file=secured.kafka_ca_file))
    topics, errors = list_topics(controller, tls)
    assert topics == 0
    assert any("certificate" in e.str() for e in errors), errors


def _remove_principal(settings: Settings, name: str) -> None:
    """Delete the principal's ACLs and SCRAM credentials (as the stack's admin)."""
    from confluent_kafka.admin import (
        AclBindingFilter,
        AclOperation,
        AclPermissionType,
        AdminClient,
        ResourcePatternType,
        ResourceType,
        ScramMechanism,
        UserScramCredentialDeletion,
    )

    admin = AdminClient(
        {"bootstrap.servers": settings.bootstrap, **librdkafka_security(settings.kafka_security())}
    )
    acls = AclBindingFilter(
        ResourceType.ANY,
        None,
        ResourcePatternType.ANY,
        f"User:{name}",
        None,
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    for future in admin.delete_acls([acls]).values():
        future.result(timeout=15)
    deletion = UserScramCredentialDeletion(name, ScramMechanism.SCRAM_SHA_512)
    for future in admin.alter_user_scram_credentials([deletion]).values():
        future.result(timeout=15)
