"""The Kafka security block: what it refuses, and that each library's translation is complete.

Completeness is checked two ways: every field of the block changes each translation (so a new
field cannot be forgotten in one of them), and the real clients (kafka-python, librdkafka)
accept every translation hypothesis can build — librdkafka loads the TLS files when a client is
created, so those are real PEM files.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import pytest
from confluent_kafka import Producer
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from assay.devstack.stack.kafka_tls import ensure_tls
from producers import EdgeConfigError, KafkaSettings, KafkaTransport, parse_config
from producers.librdkafka import librdkafka_config
from schemas.kafka_security import (
    FILES,
    KafkaSecurity,
    java_security,
    kafka_python_security,
    librdkafka_security,
)

TRANSLATIONS = [kafka_python_security, librdkafka_security, java_security]


@cache
def pem_files() -> dict[str, Path]:
    """A CA and a certificate with its key (one PEM file holds both), plus password files;
    made once, outside any fixture, so that hypothesis strategies can name them."""
    folder = Path(tempfile.mkdtemp(prefix="assay-pem-"))
    tls = ensure_tls(folder / "tls")
    password = folder / "password"
    password.write_text("from-the-file\n")
    other = folder / "other-password"
    other.write_text("another\n")
    return {"ca": tls.ca, "cert": tls.broker, "key": tls.broker, "pw": password, "pw2": other}


@pytest.fixture(scope="module", autouse=True)
def pem() -> dict[str, Path]:
    return pem_files()  # made before any strategy draws (tempfile names use `random`)


def sasl(pem: dict[str, Path], **changes: object) -> KafkaSecurity:
    """A complete SASL_SSL block with mutual TLS, changed by ``changes``."""
    fields: dict[str, object] = {
        "protocol": "SASL_SSL",
        "username": "edge-gw-01",
        "password": "secret",
        "ca_file": pem["ca"],
        "cert_file": pem["cert"],
        "key_file": pem["key"],
    }
    return KafkaSecurity.model_validate(fields | changes)


def pairs(pem: dict[str, Path]) -> dict[str, tuple[KafkaSecurity, KafkaSecurity]]:
    """For every field, two valid blocks that differ in it."""
    ca_only = KafkaSecurity(protocol="SSL", ca_file=pem["ca"])
    return {
        "protocol": (KafkaSecurity(), ca_only),
        "mechanism": (sasl(pem), sasl(pem, mechanism="SCRAM-SHA-256")),
        "username": (sasl(pem), sasl(pem, username="other")),
        "password": (sasl(pem), sasl(pem, password="other")),
        "password_file": (
            sasl(pem, password="", password_file=pem["pw"]),
            sasl(pem, password="", password_file=pem["pw2"]),
        ),
        "ca_file": (ca_only, KafkaSecurity(protocol="SSL")),
        "cert_file": (sasl(pem), sasl(pem, cert_file=pem["ca"])),
        "key_file": (sasl(pem), sasl(pem, key_file=pem["pw"])),
    }


def test_every_field_changes_every_translation(pem: dict[str, Path]) -> None:
    table = pairs(pem)
    assert set(table) == set(KafkaSecurity.model_fields), "a field without a case here"
    for field, (one, other) in table.items():
        for translate in TRANSLATIONS:
            assert translate(one) != translate(other), f"{translate.__name__} ignores {field}"


def test_plaintext_translates_to_plaintext_only() -> None:
    assert kafka_python_security(KafkaSecurity()) == {"security_protocol": "PLAINTEXT"}
    assert librdkafka_security(KafkaSecurity()) == {"security.protocol": "PLAINTEXT"}
    assert java_security(KafkaSecurity()) == {"security.protocol": "PLAINTEXT"}


def test_the_java_login_line_quotes_what_it_must(pem: dict[str, Path]) -> None:
    security = sasl(pem, username='a"b', password="c\\d")
    jaas = java_security(security)["sasl.jaas.config"]
    assert jaas == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="a\\"b" password="c\\\\d";'
    )


def test_the_password_file_is_read_when_the_client_is_made(pem: dict[str, Path]) -> None:
    security = sasl(pem, password="", password_file=pem["pw"])
    assert librdkafka_security(security)["sasl.password"] == "from-the-file"
    assert kafka_python_security(security)["sasl_plain_password"] == "from-the-file"


def test_tls_always_checks_the_broker_name(pem: dict[str, Path]) -> None:
    for security in (sasl(pem), KafkaSecurity(protocol="SSL")):
        assert kafka_python_security(security)["ssl_check_hostname"] is True
        assert librdkafka_security(security)["ssl.endpoint.identification.algorithm"] == "https"


@st.composite
def blocks(draw: st.DrawFn) -> KafkaSecurity:
    pem = pem_files()
    protocol = draw(st.sampled_from(["PLAINTEXT", "SSL", "SASL_SSL"]))
    fields: dict[str, object] = {"protocol": protocol}
    if protocol != "PLAINTEXT":
        fields["ca_file"] = draw(st.sampled_from([None, pem["ca"]]))
        if draw(st.booleans()):
            fields |= {"cert_file": pem["cert"], "key_file": pem["key"]}
    if protocol == "SASL_SSL":
        fields["mechanism"] = draw(st.sampled_from(["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]))
        printable = st.characters(exclude_categories=["Cc", "Cs"])
        fields["username"] = draw(st.text(printable, min_size=1, max_size=20))
        if draw(st.booleans()):
            fields["password_file"] = pem["pw"]
        else:
            fields["password"] = draw(st.text(printable, min_size=1, max_size=30))
    return KafkaSecurity.model_validate(fields)


# kafka-python clients other tests left behind draw from `random` on their I/O threads, which
# hypothesis would blame on this strategy.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@settings(max_examples=40, deadline=None)
@given(security=blocks())
def test_both_clients_accept_every_translation(security: KafkaSecurity) -> None:
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

    edge = KafkaSettings(bootstrap="127.0.0.1:1", security=security)
    # librdkafka checks every property and loads the TLS files when the client is created.
    Producer(librdkafka_config(edge) | {"log_level": 0}).flush(0)
    # kafka-python refuses a name it does not know; its real client is made once, below (its
    # I/O thread would keep drawing from `random` while hypothesis draws the next example).
    for client in (KafkaProducer, KafkaConsumer, KafkaAdminClient):
        assert set(kafka_python_security(security)) <= set(client.DEFAULT_CONFIG)


def test_kafka_python_takes_a_secured_block(pem: dict[str, Path]) -> None:
    # With api_version given, kafka-python checks its settings without a broker.
    edge = KafkaSettings(bootstrap="127.0.0.1:1", api_version=(3, 9), security=sasl(pem))
    KafkaTransport(edge).close(0)


@pytest.mark.parametrize(
    "fields",
    [
        {"protocol": "PLAINTEXT", "username": "u", "password": "p"},
        {"protocol": "SSL", "username": "u", "password": "p"},
        {"protocol": "SASL_SSL"},
        {"protocol": "SASL_SSL", "username": "u"},
        {"protocol": "SASL_SSL", "username": "u", "password": "p", "password_file": "f"},
        {"protocol": "PLAINTEXT", "ca_file": "ca.pem"},
        {"protocol": "SSL", "cert_file": "c.pem"},
        {"protocol": "SASL_SSL", "username": "u", "password": "p", "mechanism": "GSSAPI"},
        {"protocol": "SASL_PLAINTEXT", "username": "u", "password": "p"},
        {"protocol": "SSL", "trust_store": "x"},
        {"protocol": "SASL_SSL", "username": "u\x00", "password": "p"},
        {"protocol": "SASL_SSL", "username": "u", "password": "p\nq"},
    ],
)
def test_what_would_be_ignored_or_sent_in_clear_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        KafkaSecurity.model_validate(fields)


def test_secrets_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GW_KAFKA_PASSWORD", "from-env")
    block = {"protocol": "SASL_SSL", "username": "gw", "password": "${GW_KAFKA_PASSWORD}"}
    security = KafkaSecurity.model_validate(block)
    assert security.secret() == "from-env"
    assert "from-env" not in repr(security)
    monkeypatch.delenv("GW_KAFKA_PASSWORD")
    with pytest.raises(ValidationError, match="GW_KAFKA_PASSWORD is not set"):
        KafkaSecurity.model_validate(block)


EDGE = """
producer_id: gw-01
site: plant-a
kafka:
  bootstrap: kafka.plant-a.example:9093
  security: {security}
sources:
  - {{name: mes, kind: csv, contract: energy_meter, folder: in, device_column: meter}}
"""


def test_the_edge_reads_its_security_section(tmp_path: Path) -> None:
    (tmp_path / "kafka.password").write_text("gw-secret\n")
    (tmp_path / "ca.pem").write_text("not read here\n")
    section = (
        "{protocol: SASL_SSL, username: edge-gw-01, password_file: kafka.password, ca_file: ca.pem}"
    )
    config = parse_config(EDGE.format(security=section), tmp_path / "edge.yaml")
    security = config.kafka.settings("gw-01").security
    assert security.ca_file == tmp_path / "ca.pem"  # relative to the file, like the spool
    assert security.secret() == "gw-secret"
    assert librdkafka_security(security)["sasl.username"] == "edge-gw-01"


def test_an_unreadable_secret_file_is_named_at_load(tmp_path: Path) -> None:
    section = "{protocol: SASL_SSL, username: gw, password_file: missing.password}"
    with pytest.raises(EdgeConfigError) as caught:
        parse_config(EDGE.format(security=section), tmp_path / "edge.yaml")
    assert caught.value.key == "kafka.security.password_file"
    assert str(tmp_path / "missing.password") in caught.value.problem


def test_an_inconsistent_section_names_its_key(tmp_path: Path) -> None:
    with pytest.raises(EdgeConfigError) as caught:
        parse_config(EDGE.format(security="{protocol: SASL_SSL}"), tmp_path / "edge.yaml")
    assert caught.value.key == "kafka.security"
    assert "SASL_SSL needs a username" in caught.value.problem


def test_every_file_setting_is_anchored_and_checked() -> None:
    assert set(FILES) == {f for f in KafkaSecurity.model_fields if f.endswith("_file")}
    anchored = KafkaSecurity(protocol="SSL", ca_file=Path("ca.pem")).anchored(Path("/etc/gw"))
    assert anchored.ca_file == Path("/etc/gw/ca.pem")
    problem = "cannot read /etc/gw/ca.pem: No such file or directory"
    assert anchored.unreadable() == ("ca_file", problem)


def test_a_password_never_shows_in_the_settings_repr() -> None:
    security = KafkaSecurity(protocol="SASL_SSL", username="u", password=SecretStr("hunter2"))
    assert "hunter2" not in repr(KafkaSettings(security=security))
