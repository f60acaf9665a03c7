"""How a Kafka client proves who it is and checks the broker: one block, translated per library.

It lives beside the wire format because both sides of the wire use it: the edge and the
platform import it from here, as they import the headers.

API::

    security = KafkaSecurity(protocol="SASL_SSL", username="edge-gw-01",
                             password_file=Path("/etc/assay-edge/kafka.password"),
                             ca_file=Path("/etc/assay-edge/kafka-ca.pem"))
    kafka_python_security(security) -> {"security_protocol": "SASL_SSL", "sasl_mechanism": ...}
    librdkafka_security(security)   -> {"security.protocol": "SASL_SSL", "sasl.mechanism": ...}
    java_security(security)         -> {"security.protocol": "SASL_SSL", "sasl.jaas.config": ...}

The edge's YAML (``kafka.security``) and the platform's settings (``kafka_security_protocol`` …)
both build this block; every Kafka client of the project (edge transports, ingest consumer,
topic watchers, topic admin, the stack's health checks, Kafka's own Java tools in bench/) gets
its settings from these functions, so a new field is added in one place and a test proves each
translation uses it.

A setting that the chosen protocol would silently ignore (a password over PLAINTEXT) is refused:
it would only look secure. ``username`` and ``password`` may be ``${VARIABLE}``, read from the
environment; ``password_file`` is read when a client is created, so a rotated password needs a
restart of the client, not a new config.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator, model_validator

__all__ = ["KafkaSecurity", "java_security", "kafka_python_security", "librdkafka_security"]

Protocol = Literal["PLAINTEXT", "SSL", "SASL_SSL"]
Mechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# librdkafka passes credentials as C strings: a NUL would cut them short, silently.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FILES = ("password_file", "ca_file", "cert_file", "key_file")


class KafkaSecurity(BaseModel):
    """Protocol, SASL credentials and TLS files of one Kafka client (PLAINTEXT: none)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    protocol: Protocol = "PLAINTEXT"
    mechanism: Mechanism = "SCRAM-SHA-512"
    username: str = ""
    password: SecretStr = SecretStr("")
    password_file: Path | None = None
    ca_file: Path | None = None  # missing: the system's trusted CAs
    cert_file: Path | None = None  # with key_file: a client certificate (mutual TLS)
    key_file: Path | None = None

    @field_validator("username", "password", mode="before")
    @classmethod
    def _from_environment(cls, value: object) -> object:
        """``${NAME}`` is the environment variable's value; secrets stay out of the YAML."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(raw, str) or not (match := _ENV_REF.fullmatch(raw)):
            return value
        if match[1] not in os.environ:
            raise ValueError(f"environment variable {match[1]} is not set")
        return os.environ[match[1]]

    @model_validator(mode="after")
    def _consistent(self) -> KafkaSecurity:
        if problem := self._problem():
            raise ValueError(problem)
        return self

    def _problem(self) -> str | None:
        sasl = self.protocol == "SASL_SSL"
        has_password = bool(self.password.get_secret_value()) or self.password_file is not None
        if self.password.get_secret_value() and self.password_file is not None:
            return "give password or password_file, not both"
        if _CONTROL.search(self.username) or _CONTROL.search(self.password.get_secret_value()):
            return "username and password must not contain control characters"
        if sasl and not (self.username and has_password):
            return "SASL_SSL needs a username and a password (or password_file)"
        if not sasl and (self.username or has_password):
            return f"{self.protocol} sends no username or password; use protocol SASL_SSL"
        if self.protocol == "PLAINTEXT" and (self.ca_file or self.cert_file or self.key_file):
            return "PLAINTEXT uses no TLS files; use protocol SSL or SASL_SSL"
        if (self.cert_file is None) != (self.key_file is None):
            return "a client certificate needs both cert_file and key_file"
        return None

    @property
    def tls(self) -> bool:
        """True when the connection is encrypted."""
        return self.protocol != "PLAINTEXT"

    def secret(self) -> str:
        """The SASL password: given, or read from ``password_file`` now (``OSError`` if not)."""
        if self.password_file is not None:
            return self.password_file.read_text(encoding="utf-8").strip()
        return self.password.get_secret_value()

    def unreadable(self) -> tuple[str, str] | None:
        """The first file setting that cannot be read, as (field, problem); None when all can."""
        for name in FILES:
            path: Path | None = getattr(self, name)
            if path is None:
                continue
            try:
                with path.open("rb"):
                    pass
            except OSError as exc:
                return name, f"cannot read {path}: {exc.strerror or exc}"
        return None

    def anchored(self, base: Path) -> KafkaSecurity:
        """The block with relative file paths taken relative to ``base``."""
        updates = {
            name: base / path
            for name in FILES
            if (path := getattr(self, name)) is not None and not path.is_absolute()
        }
        return self.model_copy(update=updates) if updates else self


class _Names(NamedTuple):
    """What one client library calls each setting (and how it asks to verify the host)."""

    protocol: str
    verify_host: str
    verify_value: str | bool
    ca: str
    cert: str
    key: str
    mechanism: str
    username: str
    password: str


_KAFKA_PYTHON = _Names("security_protocol", "ssl_check_hostname", True, "ssl_cafile",
                       "ssl_certfile", "ssl_keyfile", "sasl_mechanism", "sasl_plain_username",
                       "sasl_plain_password")  # fmt: skip
_LIBRDKAFKA = _Names("security.protocol", "ssl.endpoint.identification.algorithm", "https",
                     "ssl.ca.location", "ssl.certificate.location", "ssl.key.location",
                     "sasl.mechanism", "sasl.username", "sasl.password")  # fmt: skip


def _translated(security: KafkaSecurity, names: _Names) -> dict[str, str | bool]:
    """The block in one library's names: the two libraries take the same settings."""
    config: dict[str, str | bool] = {names.protocol: security.protocol}
    if security.tls:
        config[names.verify_host] = names.verify_value
        if security.ca_file is not None:
            config[names.ca] = str(security.ca_file)
        if security.cert_file is not None and security.key_file is not None:
            config[names.cert] = str(security.cert_file)
            config[names.key] = str(security.key_file)
    if security.protocol == "SASL_SSL":
        config[names.mechanism] = security.mechanism
        config[names.username] = security.username
        config[names.password] = security.secret()
    return config


def kafka_python_security(security: KafkaSecurity) -> dict[str, object]:
    """kafka-python's keyword arguments (producer, consumer and admin client alike)."""
    return dict(_translated(security, _KAFKA_PYTHON))


def librdkafka_security(security: KafkaSecurity) -> dict[str, str]:
    """librdkafka's properties (confluent-kafka clients, the Airflow Kafka connection's extra)."""
    return {k: str(v) for k, v in _translated(security, _LIBRDKAFKA).items()}


def java_security(security: KafkaSecurity) -> dict[str, str]:
    """Kafka's Java clients' properties (the broker's own tools), with PEM files for TLS.

    Secrets are in the values (the JAAS line, an inline key): write them to a private
    properties file, never to a command line.
    """
    config: dict[str, str] = {"security.protocol": security.protocol}
    if security.tls:
        config["ssl.endpoint.identification.algorithm"] = "https"
        if security.ca_file is not None:
            config["ssl.truststore.type"] = "PEM"
            config["ssl.truststore.location"] = str(security.ca_file)
        if security.cert_file is not None and security.key_file is not None:
            config["ssl.keystore.type"] = "PEM"
            config["ssl.keystore.certificate.chain"] = security.cert_file.read_text()
            config["ssl.keystore.key"] = security.key_file.read_text()
    if security.protocol == "SASL_SSL":
        plain = security.mechanism == "PLAIN"
        module = "plain.PlainLoginModule" if plain else "scram.ScramLoginModule"
        user, password = _jaas_quoted(security.username), _jaas_quoted(security.secret())
        config["sasl.mechanism"] = security.mechanism
        config["sasl.jaas.config"] = (
            f"org.apache.kafka.common.security.{module} required "
            f'username="{user}" password="{password}";'
        )
    return config


def _jaas_quoted(value: str) -> str:
    """A value inside a JAAS option's double quotes."""
    return value.replace("\\", "\\\\").replace('"', '\\"')
