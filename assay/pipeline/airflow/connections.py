"""Where a DAG task finds its secrets: Airflow connections and Variables, then the settings.

An existing Airflow keeps secrets in its secrets backend (the metastore, Vault, AWS Secrets
Manager, or ``AIRFLOW_CONN_*`` / ``AIRFLOW_VAR_*`` variables), so a task asks it before the
``ASSAY_*`` settings and the key files:

1. S3: the connection of the task's role (`s3_connection_id`; ``assay_s3`` for the pipeline)
   in the Amazon provider's ``aws`` form — login and password are the role's key pair,
   ``extra.endpoint_url`` and ``extra.region_name`` the server. The provider need not be
   installed: the task reads the connection's fields itself.
2. Kafka (ingest): the connection ``assay_kafka`` (`KAFKA_CONNECTION`) in the Kafka provider's
   form — ``extra`` is librdkafka's configuration (``bootstrap.servers``,
   ``security.protocol``, ``sasl.*``, ``ssl.*.location``). When it is defined it replaces the
   settings' whole Kafka block; the topic watchers read ``assay_kafka_<contract>``, the
   release tasks ``assay_kafka_releaser`` (`RELEASER_KAFKA_CONNECTION`: the edge reports
   and the ingest offsets of a release's ledger), else ``assay_kafka``.
3. The masking key (`MASKING_KEY_VARIABLE`) and the identity master key
   (`IDENTITY_KEY_VARIABLE`): Variables, hex as in the key files.
4. Airflow's own REST API (`AIRFLOW_API_CONNECTION`, ``assay_airflow_api``, an ``http``
   connection): host, port and a read-only user (Airflow's *viewer* role), so the notify
   task can say which DAG's last run failed. Tasks may not read Airflow's database; without
   this connection the runs are unknown and left out.

What is not there falls back to the settings as before. Every name lives here, and
`task_connections` makes every connection the tasks read, so the local stack and the
deployment generators write the same ones (docs/airflow.md).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr

from assay.config import PIPELINE, RELEASER, Settings, load_settings
from assay.errors import ConfigError
from assay.pipeline.airflow import wakeup

if TYPE_CHECKING:
    from schemas.kafka_security import KafkaSecurity

#: The pipeline role's S3 connection; other roles' are ``assay_s3_<role>``.
S3_CONNECTION = "assay_s3"
#: The ingest tasks' Kafka connection (the watchers' are `kafka_connection_id`).
KAFKA_CONNECTION = "assay_kafka"
#: The release tasks' Kafka connection (the releaser principal), before `KAFKA_CONNECTION`.
RELEASER_KAFKA_CONNECTION = "assay_kafka_releaser"
#: Airflow's REST API as a read-only user: how the notify task sees failed runs.
AIRFLOW_API_CONNECTION = "assay_airflow_api"
MASKING_KEY_VARIABLE = "assay_masking_key"
IDENTITY_KEY_VARIABLE = "assay_identity_key"


def s3_connection_id(role: str) -> str:
    """The S3 connection a task of ``role`` reads (``assay_s3`` for the pipeline)."""
    return S3_CONNECTION if role == PIPELINE else f"{S3_CONNECTION}_{role.replace('-', '_')}"


def kafka_connection_id(contract: str) -> str:
    """The Kafka connection a contract's topic watcher reads (`wakeup.connection_id`)."""
    return wakeup.connection_id(contract)


def connection_env(conn_id: str) -> str:
    """The environment variable that defines a connection (``AIRFLOW_CONN_<ID>``)."""
    return f"AIRFLOW_CONN_{conn_id.upper()}"


def connection_variables(conns: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Connections by id as the ``AIRFLOW_CONN_<ID>`` variables that define them (JSON)."""
    return {connection_env(conn_id): json.dumps(conn) for conn_id, conn in conns.items()}


def variable_env(key: str) -> str:
    """The environment variable that defines a Variable (``AIRFLOW_VAR_<KEY>``)."""
    return f"AIRFLOW_VAR_{key.upper()}"


def s3_connection(endpoint: str, region: str, access_key: str, secret_key: str) -> dict[str, Any]:
    """An S3 connection in Airflow's JSON form, as the Amazon provider's ``aws`` type has it."""
    extra = {"endpoint_url": endpoint, "region_name": region}
    return {"conn_type": "aws", "login": access_key, "password": secret_key, "extra": extra}


def kafka_connection(bootstrap: str, security: KafkaSecurity) -> dict[str, Any]:
    """A Kafka connection in Airflow's JSON form, as the Kafka provider has it: ``extra`` is
    librdkafka's configuration."""
    from schemas.kafka_security import librdkafka_security

    extra = {"bootstrap.servers": bootstrap, **librdkafka_security(security)}
    return {"conn_type": "kafka", "extra": extra}


def airflow_api_connection(host: str, port: int, login: str, password: str) -> dict[str, Any]:
    """Airflow's REST API in Airflow's JSON form (an ``http`` connection) for ``login``, a
    user of the viewer role: it reads DAG runs and can change nothing."""
    return {"conn_type": "http", "host": host, "port": port, "login": login, "password": password}


@dataclass(frozen=True)
class TaskAccess:
    """What the tasks' connections are made of: where Kafka and S3 are, and as whom."""

    bootstrap: str
    contracts: tuple[str, ...]
    ingest: KafkaSecurity
    watcher: KafkaSecurity
    s3_endpoint: str
    s3_region: str
    s3_keys: tuple[str, str]
    releaser: KafkaSecurity | None = None


def task_connections(access: TaskAccess) -> dict[str, dict[str, Any]]:
    """Every connection the pipeline's tasks and watchers read, by id: S3 as the pipeline
    role, Kafka as ingest, each contract's topic as the watcher, the release tasks' Kafka as
    the releaser (when given)."""
    s3 = s3_connection(access.s3_endpoint, access.s3_region, *access.s3_keys)
    releaser = {} if access.releaser is None else {
        RELEASER_KAFKA_CONNECTION: kafka_connection(access.bootstrap, access.releaser)
    }  # fmt: skip
    return {
        S3_CONNECTION: s3,
        KAFKA_CONNECTION: kafka_connection(access.bootstrap, access.ingest),
        **releaser,
        **wakeup.connections(access.bootstrap, access.contracts, access.watcher),
    }


@dataclass(frozen=True)
class Found:
    """The fields of a connection that assay reads."""

    conn_id: str
    login: str
    password: str
    extra: dict[str, Any] = field(default_factory=dict)
    host: str = ""
    port: int | None = None


class Secrets(Protocol):
    """Airflow's secrets, as the tasks ask for them (`AirflowSecrets`, or a dict in tests)."""

    def connection(self, conn_id: str) -> Found | None: ...

    def variable(self, key: str) -> str | None: ...


class AirflowSecrets:
    """Airflow's own lookup (`airflow.sdk.Connection`, `Variable`): whichever secrets backend
    the deployment configured, and ``AIRFLOW_CONN_*`` / ``AIRFLOW_VAR_*``."""

    def connection(self, conn_id: str) -> Found | None:
        """The connection, or None where no backend has it."""
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException

        try:
            conn = Connection.get(conn_id)
        except AirflowNotFoundException:
            return None
        return Found(
            conn_id,
            conn.login or "",
            conn.password or "",
            conn.extra_dejson,
            conn.host or "",
            conn.port or None,
        )

    def variable(self, key: str) -> str | None:
        """The Variable, masked in task logs; None where no backend has it."""
        from airflow.sdk import Variable
        from airflow.sdk.log import mask_secret

        value = Variable.get(key, default=None)
        if value:
            mask_secret(value)
        return None if value is None else str(value)


def task_settings(role: str, secrets: Secrets | None = None) -> Settings:
    """The settings a task of ``role`` works with: Airflow's secrets over `load_settings`."""
    return with_secrets(load_settings().as_role(role), secrets or AirflowSecrets())


def with_secrets(settings: Settings, secrets: Secrets) -> Settings:
    """``settings`` with what Airflow holds for its role; the rest as configured."""
    found = secrets.connection(s3_connection_id(settings.s3_role))
    update = {} if found is None else _s3_fields(found)
    if (kafka := _kafka_connection(settings.s3_role, secrets)) is not None:
        update |= _kafka_fields(kafka)
    if (api := secrets.connection(AIRFLOW_API_CONNECTION)) is not None:
        update |= _airflow_fields(api)
    for name, key in (
        ("masking_key", MASKING_KEY_VARIABLE),
        ("identity_key", IDENTITY_KEY_VARIABLE),
    ):
        value = secrets.variable(key)
        if value:
            update[name] = SecretStr(value.strip())
    return settings.model_copy(update=update)


def _kafka_connection(role: str, secrets: Secrets) -> Found | None:
    """The releaser's own Kafka connection for the release tasks, else the ingest one."""
    own = secrets.connection(RELEASER_KAFKA_CONNECTION) if role == RELEASER else None
    return own if own is not None else secrets.connection(KAFKA_CONNECTION)


#: A host name or address as a URL's authority holds it (no spaces, no path, no user).
_HOST = re.compile(r"[A-Za-z0-9._:-]+")


def _require_login(found: Found, what: str) -> None:
    """A connection without login and password is an error that names it, never a fall-back."""
    if not (found.login and found.password):
        raise ConfigError(
            f"Airflow connection {found.conn_id} has no {what}",
            places=[f"Airflow connection {found.conn_id}"],
        )


def _airflow_fields(found: Found) -> dict[str, Any]:
    _require_login(found, "login: set its login and password (a user of Airflow's viewer role)")
    fields: dict[str, Any] = {
        "airflow_username": found.login,
        "airflow_password": SecretStr(found.password),
    }
    host, port = _api_address(found)
    if host:
        fields["airflow_host"] = host
    if port:
        fields["airflow_port"] = port
    return fields


def _api_address(found: Found) -> tuple[str | None, int | None]:
    """The connection's host name and port; a host may be written as a URL too
    (``http://airflow-api:8080/``). One that is neither is an error that names it."""
    try:
        written = urlsplit(found.host if "://" in found.host else f"//{found.host}")
        host, port = written.hostname, found.port or written.port
    except ValueError as exc:  # a port that is no number or out of range, a broken IPv6 host
        raise _not_a_host(found, str(exc)) from exc
    if host is not None and not _HOST.fullmatch(host):
        raise _not_a_host(found, f"{host!r} is no host name")
    if written.path.strip("/") or written.query or written.fragment:
        raise _not_a_host(found, f"the REST client takes no path or query: {found.host!r}")
    return host, port


def _not_a_host(found: Found, problem: str) -> ConfigError:
    return ConfigError(
        f"Airflow connection {found.conn_id} has a host that is not a host name or URL "
        f"({problem}): set it to one, e.g. airflow-api or http://airflow-api:8080",
        places=[f"Airflow connection {found.conn_id}"],
    )


def _s3_fields(found: Found) -> dict[str, Any]:
    _require_login(found, "key pair: set its login (access key) and password (secret key)")
    fields: dict[str, Any] = {
        "s3_access_key": found.login,
        "s3_secret_key": SecretStr(found.password),
    }
    if found.extra.get("endpoint_url"):
        fields["s3_endpoint"] = str(found.extra["endpoint_url"])
    if found.extra.get("region_name"):
        fields["s3_region"] = str(found.extra["region_name"])
    return fields


#: librdkafka's property -> the settings field it sets; a field not named stays at its default.
_KAFKA_FIELDS = {
    "security.protocol": "kafka_security_protocol",
    "sasl.mechanism": "kafka_sasl_mechanism",
    "sasl.username": "kafka_username",
    "ssl.ca.location": "kafka_ca_file",
    "ssl.certificate.location": "kafka_cert_file",
    "ssl.key.location": "kafka_key_file",
}
_KAFKA_DEFAULTS: dict[str, Any] = {
    "kafka_security_protocol": "PLAINTEXT",
    "kafka_sasl_mechanism": "SCRAM-SHA-512",
    "kafka_username": "",
    "kafka_password": SecretStr(""),
    "kafka_password_file": None,
    "kafka_ca_file": None,
    "kafka_cert_file": None,
    "kafka_key_file": None,
}


def _kafka_fields(found: Found) -> dict[str, Any]:
    """The settings' whole Kafka block from the connection's librdkafka ``extra``."""
    extra = found.extra
    if not extra.get("bootstrap.servers"):
        raise ConfigError(
            f"Airflow connection {found.conn_id} has no bootstrap.servers in its extra",
            places=[f"Airflow connection {found.conn_id}"],
        )
    fields = dict(_KAFKA_DEFAULTS, kafka_bootstrap=str(extra["bootstrap.servers"]))
    for prop, name in ((p, n) for p, n in _KAFKA_FIELDS.items() if extra.get(p)):
        fields[name] = Path(extra[prop]) if name.endswith("_file") else str(extra[prop])
    if extra.get("sasl.password"):
        fields["kafka_password"] = SecretStr(str(extra["sasl.password"]))
    return fields
