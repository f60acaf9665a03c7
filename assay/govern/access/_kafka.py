"""Kafka's principals and what each may do, as ACLs the broker's authorizer enforces.

The broker denies whatever no ACL allows (``allow.everyone.if.no.acl.found=false``); ``admin``
and the broker are super users. The plan is data (``pipeline_kafka_grants``,
``stack_kafka_grants``, ``gateway_kafka_grants``); ``apply_kafka_grants`` and
``set_kafka_password`` talk to the broker as the settings' principal, which must be allowed to
alter ACLs and users (the stack's ``admin``).

    principal   may                                          why
    ingest      read topics assay.*, groups assay-ingest.*    land each contract's partitions
    watcher     read topics assay.*, groups assay-wakeup.*    wake the ingest DAGs
    releaser    read topic assay-edge-status; describe        a release's ledger: the edge
                topics assay.* and groups assay-ingest.*      reports, the ingest offsets
    edge-demo   write topics assay.* and assay-edge-status    the demo's and the tests' edges
    <gateway>   write its own contracts' topics and           one principal per gateway
                assay-edge-status, nothing else

The edge status reports' topic (``schemas.edge_status``) lies outside the ``assay.`` prefix,
so the prefixed grants of ingest, watcher and edge-demo do not reach it: gateways write it,
the release maker reads it, nobody else.

Reading or writing implies describing, so metadata and offsets need no ACL of their own, and
since Kafka 3.0 writing a topic allows an idempotent producer too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from assay.config import RELEASER, Settings
from assay.govern.access._errors import AccessError
from schemas import edge_status
from schemas.kafka_security import librdkafka_security

TOPICS = "assay."  # every contract's topic: assay.<contract>.v<major>
TIMEOUT_S = 15.0
SCRAM_ITERATIONS = 8192


@dataclass(frozen=True)
class KafkaGrant:
    """One ACL: ``principal`` may ``operation`` the topic or group ``name`` (or its prefix)."""

    principal: str
    operation: Literal["read", "write", "describe"]
    resource: Literal["topic", "group"]
    name: str
    prefixed: bool = True


def pipeline_kafka_grants() -> list[KafkaGrant]:
    """The ACLs of the pipeline's own principals: the ingest tasks, the topic watchers and
    the release maker (the command line's, the release DAG's and the console's ledger)."""
    from assay.pipeline.airflow.wakeup import watcher_group
    from assay.pipeline.ingest.consumer import ingest_group

    return [
        KafkaGrant("ingest", "read", "topic", TOPICS),
        KafkaGrant("ingest", "read", "group", ingest_group("")),
        KafkaGrant("watcher", "read", "topic", TOPICS),
        KafkaGrant("watcher", "read", "group", watcher_group("")),
        KafkaGrant(RELEASER, "read", "topic", edge_status.TOPIC, prefixed=False),
        KafkaGrant(RELEASER, "describe", "topic", TOPICS),
        KafkaGrant(RELEASER, "describe", "group", ingest_group("")),
    ]


def stack_kafka_grants() -> list[KafkaGrant]:
    """The local stack's: the pipeline's, and the demo edge, which writes every contract topic
    and its status reports."""
    demo = [KafkaGrant("edge-demo", "write", "topic", TOPICS), _status_writer("edge-demo")]
    return [*pipeline_kafka_grants(), *demo]


def gateway_kafka_grants(principal: str, topics: Iterable[str]) -> list[KafkaGrant]:
    """A gateway writes exactly its contracts' topics (literal names, no prefix) and its
    status reports."""
    grants = [KafkaGrant(principal, "write", "topic", t, prefixed=False) for t in sorted(topics)]
    return [*grants, _status_writer(principal)]


def _status_writer(principal: str) -> KafkaGrant:
    return KafkaGrant(principal, "write", "topic", edge_status.TOPIC, prefixed=False)


def apply_kafka_grants(settings: Settings, grants: Iterable[KafkaGrant]) -> int:
    """Create the ACLs (existing ones stay as they are); return how many were asked for."""
    bindings = [_binding(g) for g in grants]
    if not bindings:
        return 0
    admin = _admin(settings)
    for binding, future in admin.create_acls(bindings, request_timeout=TIMEOUT_S).items():
        _result(str(binding.principal), future)
    return len(bindings)


def set_kafka_password(settings: Settings, user: str, password: str) -> None:
    """Create the SCRAM-SHA-512 credentials of ``user``, or replace its password."""
    from confluent_kafka.admin import (
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialUpsertion,
    )

    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
    upsert = UserScramCredentialUpsertion(user, info, password.encode())
    admin = _admin(settings)
    for future in admin.alter_user_scram_credentials([upsert], request_timeout=TIMEOUT_S).values():
        _result(user, future)


def _binding(grant: KafkaGrant) -> Any:
    from confluent_kafka.admin import (
        AclBinding,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    pattern = ResourcePatternType.PREFIXED if grant.prefixed else ResourcePatternType.LITERAL
    return AclBinding(
        ResourceType[grant.resource.upper()],
        grant.name,
        pattern,
        f"User:{grant.principal}",
        "*",
        AclOperation[grant.operation.upper()],
        AclPermissionType.ALLOW,
    )


def _admin(settings: Settings) -> Any:
    from confluent_kafka.admin import AdminClient

    from assay.pipeline.ingest.consumer import LIBRDKAFKA_LOG

    config: dict[str, Any] = {"bootstrap.servers": settings.bootstrap, "logger": LIBRDKAFKA_LOG}
    return AdminClient(config | librdkafka_security(settings.kafka_security()))


def _result(principal: str, future: Any) -> None:
    """Wait for one admin call; the broker's refusal as `AccessError` (transient if retriable)."""
    from confluent_kafka import KafkaException

    try:
        future.result(timeout=TIMEOUT_S)
    except KafkaException as exc:
        error: Any = exc.args[0] if exc.args else None
        name = error.name() if hasattr(error, "name") else type(exc).__name__
        detail = error.str() if hasattr(error, "str") else str(exc)
        failure = AccessError(principal, f"Kafka refused: {name}: {detail}")
        failure.transient = bool(hasattr(error, "retriable") and error.retriable())
        raise failure from exc
