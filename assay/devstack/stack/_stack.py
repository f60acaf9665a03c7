"""The local stack as a whole: which services, in which order, and the state file they share.

The state folder is private (0700, and ``up`` runs with umask 077, which every service it
starts inherits): it holds each layer's data, the S3 server's users and every role's keys.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from assay.config import ROOT, STACK_FILE, Settings, load_settings, role_keys_file
from assay.devstack.stack._service import Progress, Service, Status
from assay.errors import StackError

#: Settings ``assay stack up`` records so that every later client finds the same stack.
RECORDED = (
    "kafka_port",
    "kafka_controller_port",
    "s3_port",
    "airflow_port",
    "postgres_port",
    "airflow_db",
    "kafka_brokers",
    "airflow_workers",
    "redis_port",
)


def make_private(settings: Settings) -> Path:
    """Umask 077 for this process and its children; the state folder readable by us alone.

    Under root with PostgreSQL the server runs as ``postgres`` and must pass through the
    folder to its own: then the folder is 0710 with the ``postgres`` group (search, no list).
    """
    from assay.devstack.stack.postgres import share_state_dir

    os.umask(0o077)
    state = settings.state_dir
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    state.chmod(0o700)
    if settings.airflow_db == "postgres":
        share_state_dir(state, os.geteuid())
    return state


def services(settings: Settings, *, airflow: bool = True) -> list[Service]:
    """The stack's services in start order (Airflow last: its tasks need the others)."""
    from assay.devstack.stack.console import Console
    from assay.devstack.stack.kafka_cluster import kafka_services
    from assay.devstack.stack.s3 import S3Server

    chosen = [*kafka_services(settings), S3Server(settings), Console(settings)]
    if airflow:
        chosen.extend(_airflow_services(settings))
    return chosen


def _airflow_services(settings: Settings) -> list[Service]:
    from assay.devstack.stack.airflow import airflow_services

    return airflow_services(settings)


def shape(cluster: bool) -> dict[str, object]:
    """Settings of a cluster (three brokers, Celery with two workers) or of one process each."""
    if cluster:
        return {"kafka_brokers": 3, "airflow_workers": 2, "airflow_db": "postgres"}
    return {"kafka_brokers": 1, "airflow_workers": 0}


def check_shape(recorded: Settings, wanted: Settings) -> Settings:
    """``wanted``, unless this state folder runs a stack of another shape: its brokers hold
    the ports and data the other would need."""
    same = (recorded.kafka_brokers, recorded.airflow_workers) == (
        wanted.kafka_brokers,
        wanted.airflow_workers,
    )
    running = [s.name for s in services(recorded) if s.record()]
    if same or not running:
        return wanted
    raise StackError(
        "stack",
        f"{recorded.state_dir} runs a stack of {recorded.kafka_brokers} broker(s) and "
        f"{recorded.airflow_workers} Celery worker(s) ({', '.join(running)})",
        "`assay stack down` first, or give the other stack its own state folder and ports "
        "(ASSAY_STATE_DIR=.assay-cluster, ASSAY_KAFKA_PORT, ...; README)",
    )


def stack_file(settings: Settings) -> Path:
    """The state file ``up`` writes: ports and the generated S3 credentials."""
    return settings.state_dir / STACK_FILE


def write_stack_file(settings: Settings, *, insecure: bool = False) -> Settings:
    """Record the ports and Kafka's client settings, keep the root keys; return settings that
    see them.

    The S3 root keys live in ``access/root.toml`` beside the roles' keys, not in
    ``stack.toml`` (which every client reads): kept if there, else the configured pair (or
    one an older ``stack.toml`` held), else generated. Kafka's part is the stack's choice, not
    the caller's: SASL_SSL as ``admin`` with the stack's CA, or PLAINTEXT when ``insecure``;
    the returned settings hold it even where the environment says otherwise, so the broker
    and its health check agree.
    """
    from assay.devstack.stack.kafka_auth import client_settings

    ensure_root_keys(settings)
    kafka = client_settings(settings.state_dir, insecure=insecure)
    values: dict[str, object] = {k: getattr(settings, k) for k in RECORDED}
    values |= kafka
    path = stack_file(settings)
    # The state folder holds every secret of the stack (S3 keys, Kafka's CA key and passwords);
    # PostgreSQL's server user may pass through it (`make_private`).
    make_private(settings)
    lines = [f"{key} = {_toml_value(value)}" for key, value in values.items()]
    path.write_text(
        "# written by `assay stack up`; delete with the state folder\n" + "\n".join(lines) + "\n"
    )
    path.chmod(0o600)
    return load_settings(state_dir=settings.state_dir, cache_dir=settings.cache_dir, **kafka)


def ensure_root_keys(settings: Settings) -> Path:
    """The S3 server's root keys in ``<state>/access/root.toml`` (0600), written once."""
    from pydantic import SecretStr

    from assay.govern.access._credentials import RoleKeys, generate, save

    path = role_keys_file(settings.state_dir, ROOT)
    if path.is_file():
        return path
    secret = settings.s3_secret_key.get_secret_value()
    given = settings.s3_access_key and secret
    keys = RoleKeys(ROOT, settings.s3_access_key, SecretStr(secret)) if given else generate(ROOT)
    return save(settings.state_dir, keys)


def _toml_value(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def up(
    settings: Settings, progress: Progress, *, airflow: bool = True, insecure: bool = False
) -> Settings:
    """Start Kafka and the S3 server, create the topics and ACLs, the buckets and the roles,
    then start Airflow: its tasks get the pipeline role's keys, which exist only after
    ``apply``, and its topic watchers connect at once, as principals whose ACLs must exist."""
    from assay.devstack.stack.kafka_cluster import kafka_services, start_together
    from assay.store.objects import ensure_buckets

    make_private(settings)
    settings = write_stack_file(settings, insecure=insecure)
    start_together(kafka_services(settings), progress)
    _ensure_topics(settings, progress)
    _ensure_acls(settings, progress)
    kafka = {s.name for s in kafka_services(settings)}
    for service in services(settings, airflow=False):
        if service.name not in kafka:
            service.up(progress)
    created = ensure_buckets(settings.as_role(ROOT))
    if created:
        progress(f"s3: created buckets {', '.join(created)}")
    _apply_roles(settings, progress)
    _install_lifecycle(settings, progress)
    _register_demo_signer(settings, progress)
    if airflow:
        for service in _airflow_services(settings):
            service.up(progress)
    return settings


def _apply_roles(settings: Settings, progress: Progress) -> None:
    from assay.govern.access import apply

    applied = apply(settings)
    roles = ", ".join(applied.created + applied.updated)
    progress(f"s3: roles applied ({roles}); keys in {settings.state_dir / 'access'}")


def _install_lifecycle(settings: Settings, progress: Progress) -> None:
    from assay.govern.retention import install_lifecycle

    found = install_lifecycle(settings.as_role(ROOT), settings.contracts())
    if all(state == "rules set" for state in found.values()):
        progress("s3: lifecycle rules remove replaced versions; `assay retention apply` too")
    else:
        progress("s3: no lifecycle rules (the server has none); `assay retention apply` sweeps")


def _register_demo_signer(settings: Settings, progress: Progress) -> None:
    """The identity master key (made once) and ``edge-demo`` in the signers registry: the
    demo's and the tests' edge, which may use any producer_id (docs/security.md)."""
    from assay.devstack.stack.kafka_auth import EDGE_DEMO
    from assay.govern.access import identity_key, register_signer
    from assay.store.objects import S3Store

    master = identity_key(settings, create=True)
    register_signer(S3Store(settings.as_role(ROOT)), settings.bucket_reports, EDGE_DEMO, ("*",))
    progress(f"identity: {EDGE_DEMO} signs with a key derived from {master and master.source}")


def _ensure_acls(settings: Settings, progress: Progress) -> None:
    from assay.govern.access import apply_kafka_grants, set_kafka_password, stack_kafka_grants

    if settings.kafka_security_protocol == "PLAINTEXT":
        progress("kafka: PLAINTEXT without authorizer (--insecure): for debugging only")
        return
    from assay.devstack.stack.kafka_auth import RELEASER, ensure_passwords

    # a broker formatted before the releaser principal existed learns it here
    set_kafka_password(settings, RELEASER, ensure_passwords(settings.state_dir)[RELEASER])
    count = apply_kafka_grants(settings, stack_kafka_grants())
    progress(f"kafka: SASL_SSL, {count} ACLs for ingest, watcher, releaser and edge-demo in place")


def _ensure_topics(settings: Settings, progress: Progress) -> None:
    from assay.devstack.topics import ensure_topics

    states = ensure_topics(settings, settings.contracts())
    created = [topic for topic, state in states.items() if state.startswith("created")]
    if created:
        progress(f"kafka: created topics {', '.join(created)}")
    for topic, state in states.items():
        if "; set " in state:
            progress(f"kafka: {topic}: set {state.split('; set ')[1].split(';')[0]}")


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
