"""The local stack as a whole: which services, in which order, and the state file they share."""

from __future__ import annotations

import secrets
import shlex
from pathlib import Path

from assay.config import STACK_FILE, Settings, load_settings
from assay.devstack.stack._service import Progress, Service, Status

#: Settings ``assay stack up`` records so that every later client finds the same stack.
RECORDED = (
    "kafka_port",
    "kafka_controller_port",
    "s3_port",
    "airflow_port",
    "postgres_port",
    "airflow_db",
)


def services(settings: Settings, *, airflow: bool = True) -> list[Service]:
    """The stack's services in start order (Airflow last: its tasks need the others)."""
    from assay.devstack.stack.kafka import Kafka
    from assay.devstack.stack.s3 import S3Server

    chosen: list[Service] = [Kafka(settings), S3Server(settings)]
    if airflow:
        chosen.extend(_airflow_services(settings))
    return chosen


def _airflow_services(settings: Settings) -> list[Service]:
    from assay.devstack.stack.airflow import airflow_services

    return airflow_services(settings)


def stack_file(settings: Settings) -> Path:
    """The state file ``up`` writes: ports and the generated S3 credentials."""
    return settings.state_dir / STACK_FILE


def write_stack_file(settings: Settings, *, insecure: bool = False) -> Settings:
    """Record ports and credentials (generating those missing); return settings that see them.

    Kafka's part is the stack's choice, not the caller's: SASL_SSL as ``admin`` with the stack's
    CA, or PLAINTEXT when ``insecure``; the returned settings hold it even where the
    environment says otherwise, so the broker and its health check agree.
    """
    from assay.devstack.stack.kafka_auth import client_settings

    access = settings.s3_access_key or f"assay{secrets.token_hex(4)}"
    secret = settings.s3_secret_key.get_secret_value() or secrets.token_urlsafe(24)
    kafka = client_settings(settings.state_dir, insecure=insecure)
    values: dict[str, object] = {k: getattr(settings, k) for k in RECORDED}
    values |= {"s3_access_key": access, "s3_secret_key": secret, **kafka}
    path = stack_file(settings)
    # The state folder holds every secret of the stack (S3 keys, Kafka's CA key and passwords).
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.parent.chmod(0o700)
    lines = [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    path.write_text(
        "# written by `assay stack up`; delete with the state folder\n" + "\n".join(lines) + "\n"
    )
    path.chmod(0o600)
    return load_settings(state_dir=settings.state_dir, cache_dir=settings.cache_dir, **kafka)


def _toml_value(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def up(
    settings: Settings, progress: Progress, *, airflow: bool = True, insecure: bool = False
) -> Settings:
    """Start every service that is not already healthy, then create the buckets.

    Kafka's topics and ACLs are in place before Airflow starts: its topic watchers connect at
    once, as principals whose ACLs must exist by then.
    """
    from assay.store.objects import ensure_buckets

    settings = write_stack_file(settings, insecure=insecure)
    for service in services(settings, airflow=airflow):
        service.up(progress)
        if service.name == "kafka":
            _ensure_topics(settings, progress)
            _ensure_acls(settings, progress)
    created = ensure_buckets(settings)
    if created:
        progress(f"s3: created buckets {', '.join(created)}")
    return settings


def _ensure_acls(settings: Settings, progress: Progress) -> None:
    from assay.govern.access import apply_kafka_grants, stack_kafka_grants

    if settings.kafka_security_protocol == "PLAINTEXT":
        progress("kafka: PLAINTEXT without authorizer (--insecure): for debugging only")
        return
    count = apply_kafka_grants(settings, stack_kafka_grants())
    progress(f"kafka: SASL_SSL, {count} ACLs for ingest, watcher and edge-demo in place")


def _ensure_topics(settings: Settings, progress: Progress) -> None:
    from assay.devstack.topics import ensure_topics
    from schemas import ContractRegistry

    states = ensure_topics(settings, ContractRegistry.shipped())
    created = [topic for topic, state in states.items() if state == "created"]
    if created:
        progress(f"kafka: created topics {', '.join(created)}")


def down(settings: Settings, progress: Progress) -> None:
    """Stop every service this state folder started, last started first."""
    for service in reversed(services(settings)):
        progress(f"{service.name}: {'stopped' if service.down() else 'was not running'}")


def status(settings: Settings) -> list[Status]:
    """The status of every service."""
    return [service.status() for service in services(settings)]


def exports(settings: Settings) -> dict[str, str]:
    """Every ``ASSAY_*`` variable a shell needs to reach this stack."""
    env = {"ASSAY_STATE_DIR": str(settings.state_dir.resolve())}
    for service in services(settings):
        env |= service.exports()
    return env


def shell_exports(settings: Settings) -> str:
    """``export`` lines for ``eval "$(assay stack env)"``."""
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in exports(settings).items())
