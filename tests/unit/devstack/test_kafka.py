"""The local broker's configuration and principals, built from the settings without a broker."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from assay.config import PIPELINE, Settings, load_settings
from assay.devstack.stack import airflow as af
from assay.devstack.stack import kafka_auth
from assay.devstack.stack._stack import write_stack_file
from assay.devstack.stack.kafka import Kafka, SecureBroker, server_properties
from assay.devstack.stack.kafka_tls import ensure_tls
from assay.errors import StackError
from assay.govern.access._credentials import generate, save


@pytest.fixture(autouse=True)
def own_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings read this test's state folder only, as a shell of its stack would."""
    for key in list(__import__("os").environ):
        if key.startswith("ASSAY_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSAY_STATE_DIR", str(tmp_path / "state"))


def props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


@pytest.fixture
def secure(tmp_path: Path) -> SecureBroker:
    return SecureBroker(ensure_tls(tmp_path / "tls"), "broker-pw")


def test_the_secured_broker_listens_for_sasl_ssl_only(secure: SecureBroker, tmp_path: Path) -> None:
    conf = props(server_properties(9092, 9093, tmp_path / "data", secure))
    assert conf["listeners"] == "CLIENT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert conf["listener.security.protocol.map"] == "CLIENT:SASL_SSL,CONTROLLER:SSL"
    assert conf["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert "PLAINTEXT" not in conf["listener.security.protocol.map"]
    assert conf["listener.name.controller.ssl.client.auth"] == "required"


def test_no_acl_means_denied_and_only_admin_and_broker_are_super(
    secure: SecureBroker, tmp_path: Path
) -> None:
    conf = props(server_properties(9092, 9093, tmp_path / "data", secure))
    assert conf["authorizer.class.name"].endswith("StandardAuthorizer")
    assert conf["allow.everyone.if.no.acl.found"] == "false"
    assert conf["super.users"] == "User:admin;User:broker"


def test_insecure_is_the_old_plaintext_broker(tmp_path: Path) -> None:
    conf = props(server_properties(9092, 9093, tmp_path / "data"))
    assert conf["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    assert "authorizer.class.name" not in conf


def test_secrets_are_private_files_in_private_folders(tmp_path: Path) -> None:
    passwords = kafka_auth.ensure_passwords(tmp_path)
    assert set(passwords) == set(kafka_auth.STACK_USERS)
    assert len(set(passwords.values())) == len(passwords)
    assert kafka_auth.ensure_passwords(tmp_path) == passwords  # generated once
    tls = ensure_tls(tmp_path / "kafka" / "tls")
    for folder in (kafka_auth.users_folder(tmp_path), tls.folder):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for file in folder.iterdir():
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_up_records_sasl_ssl_as_admin_unless_insecure(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path / "state", cache_dir=tmp_path / "cache")
    secured = write_stack_file(settings)
    assert secured.kafka_security_protocol == "SASL_SSL"
    assert secured.kafka_username == "admin"
    assert secured.kafka_password_file == kafka_auth.password_file(settings.state_dir, "admin")
    assert 'kafka_security_protocol = "SASL_SSL"' in (settings.state_dir / "stack.toml").read_text()
    assert stat.S_IMODE(settings.state_dir.stat().st_mode) == 0o700
    insecure = write_stack_file(settings, insecure=True)
    assert insecure.kafka_security_protocol == "PLAINTEXT"
    assert insecure.kafka_username == ""


def test_storage_formatted_without_principals_is_not_secured(tmp_path: Path) -> None:
    settings = write_stack_file(Settings(state_dir=tmp_path / "state", cache_dir=tmp_path))
    kafka = Kafka(settings)
    (kafka.data).mkdir(parents=True)
    (kafka.data / "meta.properties").write_text("version=1\n")
    with pytest.raises(StackError) as err:
        kafka.prepare(print)
    assert err.value.service == "kafka"
    assert "--insecure" in err.value.fix


def test_airflow_tasks_and_watchers_connect_as_their_own_principals(tmp_path: Path) -> None:
    state = tmp_path / "state"
    settings = write_stack_file(Settings(state_dir=state, cache_dir=tmp_path))
    save(state, generate(PIPELINE))  # as `access apply` makes them
    kafka_auth.ensure_passwords(state)  # as the broker's start makes them
    ensure_tls(kafka_auth.kafka_home(state) / "tls")
    env = af.airflow_env(settings, {"PATH": "/bin"})
    assert env["ASSAY_KAFKA_USERNAME"] == "ingest"
    assert env["ASSAY_KAFKA_PASSWORD_FILE"] == str(kafka_auth.password_file(state, "ingest"))
    releaser = env.pop("AIRFLOW_CONN_ASSAY_KAFKA_RELEASER")  # the release tasks' ledger
    assert '"sasl.username": "releaser"' in releaser
    watcher = [v for k, v in env.items() if k.startswith("AIRFLOW_CONN_ASSAY_KAFKA_")]
    assert watcher and all('"sasl.username": "watcher"' in v for v in watcher)
    assert all('"security.protocol": "SASL_SSL"' in v for v in watcher)


def test_an_insecure_stack_gives_airflow_no_principal(tmp_path: Path) -> None:
    settings = write_stack_file(
        Settings(state_dir=tmp_path / "state", cache_dir=tmp_path), insecure=True
    )
    save(tmp_path / "state", generate(PIPELINE))
    env = af.airflow_env(settings, {"PATH": "/bin"})
    assert "ASSAY_KAFKA_USERNAME" not in env
    assert load_settings().kafka_security_protocol == "PLAINTEXT"
