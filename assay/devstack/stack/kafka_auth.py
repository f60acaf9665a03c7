"""Who the local broker knows: SCRAM principals with passwords kept in the state folder.

Every principal's password is a file ``<state>/kafka/users/<name>`` (a 0700 folder, files 0600),
generated once and handed to ``kafka-storage format --add-scram`` when the broker's storage is
formatted, so the broker knows every principal before it first listens. A client of the stack
points ``kafka_password_file`` (or the edge's ``password_file``) at its principal's file.

    broker     the broker itself: inter-broker requests, and its certificate on the controller
    admin      super user: topics, ACLs, principals; what ``<state>/stack.toml`` records
    ingest     the ingest tasks (the Airflow processes run as it)
    watcher    the topic watchers' Airflow connections
    edge-demo  writes every contract topic: the demo and the tests' edges
    releaser   reads the edge status reports and the ingest offsets: a release's ledger

What each may do is the ACL plan in `assay.govern.access._kafka`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from assay.config import Settings
from schemas.kafka_security import KafkaSecurity

MECHANISM = "SCRAM-SHA-512"
BROKER, ADMIN, INGEST, WATCHER, EDGE_DEMO = "broker", "admin", "ingest", "watcher", "edge-demo"
RELEASER = "releaser"
STACK_USERS = (BROKER, ADMIN, INGEST, WATCHER, EDGE_DEMO, RELEASER)


def kafka_home(state_dir: Path) -> Path:
    """The Kafka service's folder in a state folder (its data, TLS files and principals)."""
    return state_dir.resolve() / "kafka"


def users_folder(state_dir: Path) -> Path:
    """Where each principal's password file is."""
    return kafka_home(state_dir) / "users"


def password_file(state_dir: Path, user: str) -> Path:
    """One principal's password file."""
    return users_folder(state_dir) / user


def ensure_passwords(state_dir: Path, users: tuple[str, ...] = STACK_USERS) -> dict[str, str]:
    """Every principal's password, generating (and writing, 0600) the missing ones first."""
    folder = users_folder(state_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)
    return {user: _password(folder / user) for user in users}


def _password(path: Path) -> str:
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    password = secrets.token_urlsafe(24)  # [A-Za-z0-9_-]: safe in --add-scram and JAAS quotes
    write_secret(path, password)
    return password


def write_secret(path: Path, text: str) -> None:
    """Write a secret to a file only its owner can read, replacing it in one step."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    tmp.replace(path)


def client_settings(state_dir: Path, *, insecure: bool) -> dict[str, str]:
    """The Kafka settings ``assay stack up`` records: SASL_SSL as admin, or PLAINTEXT."""
    if insecure:
        return {"kafka_security_protocol": "PLAINTEXT"}
    return {
        "kafka_security_protocol": "SASL_SSL",
        "kafka_sasl_mechanism": MECHANISM,
        "kafka_username": ADMIN,
        "kafka_password_file": str(password_file(state_dir, ADMIN)),
        "kafka_ca_file": str(kafka_home(state_dir) / "tls" / "ca.pem"),
    }


def principal_security(settings: Settings, user: str) -> KafkaSecurity:
    """The settings' security block as ``user`` of this stack (unchanged when not SASL)."""
    security = settings.kafka_security()
    if security.protocol != "SASL_SSL":
        return security
    path = password_file(settings.state_dir, user)
    update = {"username": user, "password_file": path, "password": KafkaSecurity().password}
    return security.model_copy(update=update)


def principal_env(settings: Settings, user: str) -> dict[str, str]:
    """``ASSAY_KAFKA_*`` variables that make a process's clients connect as ``user``."""
    security = principal_security(settings, user)
    if security.protocol != "SASL_SSL":
        return {}
    return {
        "ASSAY_KAFKA_USERNAME": user,
        "ASSAY_KAFKA_PASSWORD_FILE": str(security.password_file),
        "ASSAY_KAFKA_PASSWORD": "",
    }


def signing_key(settings: Settings, user: str) -> bytes:
    """``user``'s record-signing key, derived from the identity master key (made once): what
    `assay access kafka-gateway` hands a gateway, for the stack's own edges."""
    from assay.govern.access import identity_key

    master = identity_key(settings, create=True)
    assert master is not None  # made when missing
    return master.for_principal(user)
