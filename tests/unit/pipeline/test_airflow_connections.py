"""Where tasks find their secrets: Airflow's connection and Variables over the settings."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pydantic import SecretStr

from assay.config import PIPELINE, RELEASER, Settings
from assay.errors import ConfigError
from assay.govern.releases import masking_key
from assay.pipeline.airflow import connections as c
from assay.pipeline.validate.signers import identity_key
from schemas.kafka_security import KafkaSecurity, librdkafka_security


@dataclass
class MemorySecrets:
    """Airflow's secrets backend in memory: connections and Variables by name."""

    conns: dict[str, c.Found] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)

    def connection(self, conn_id: str) -> c.Found | None:
        return self.conns.get(conn_id)

    def variable(self, key: str) -> str | None:
        return self.variables.get(key)


@pytest.fixture
def configured(tmp_path: Path) -> Settings:
    """Settings as an ``ASSAY_*`` deployment has them: one key pair, its endpoint, key files."""
    return Settings(
        state_dir=tmp_path,
        s3_endpoint="http://settings:7070",
        s3_access_key="settings-key",
        s3_secret_key=SecretStr("settings-secret"),
        masking_key_file=tmp_path / "masking.key",
        identity_key_file=tmp_path / "identity.key",
    ).as_role(PIPELINE)


def pipeline_conn(**extra: str) -> c.Found:
    return c.Found(c.S3_CONNECTION, "conn-key", "conn-secret", dict(extra))


def test_the_connection_wins_over_the_settings(configured: Settings) -> None:
    found = pipeline_conn(endpoint_url="https://s3.plant:9000", region_name="cn-east-1")
    got = c.with_secrets(configured, MemorySecrets({c.S3_CONNECTION: found}))
    assert got.s3_credentials() == ("conn-key", "conn-secret")
    assert (got.endpoint, got.s3_region, got.s3_role) == (
        "https://s3.plant:9000",
        "cn-east-1",
        PIPELINE,
    )


def test_without_a_connection_the_settings_hold(configured: Settings) -> None:
    got = c.with_secrets(configured, MemorySecrets())
    assert got.s3_credentials() == ("settings-key", "settings-secret")
    assert got.endpoint == "http://settings:7070"


def test_a_connection_without_endpoint_keeps_the_configured_one(configured: Settings) -> None:
    got = c.with_secrets(configured, MemorySecrets({c.S3_CONNECTION: pipeline_conn()}))
    assert got.s3_credentials() == ("conn-key", "conn-secret")
    assert got.endpoint == "http://settings:7070"


def test_each_role_reads_its_own_connection(configured: Settings) -> None:
    """The pipeline's keys never serve the releaser, nor the other way round."""
    held = MemorySecrets({c.S3_CONNECTION: pipeline_conn()})
    releaser = c.with_secrets(configured.as_role(RELEASER), held)
    assert releaser.s3_credentials() == ("settings-key", "settings-secret")
    assert c.s3_connection_id(RELEASER) == "assay_s3_releaser"
    assert c.s3_connection_id("pilot-line-3") == "assay_s3_pilot_line_3"


def test_a_connection_without_keys_says_which(configured: Settings) -> None:
    empty = c.Found(c.S3_CONNECTION, "", "", {})
    with pytest.raises(ConfigError) as err:
        c.with_secrets(configured, MemorySecrets({c.S3_CONNECTION: empty}))
    assert err.value.places == ["Airflow connection assay_s3"]


def test_the_variables_win_over_the_key_files(configured: Settings) -> None:
    held = {
        c.MASKING_KEY_VARIABLE: secrets.token_hex(32),
        c.IDENTITY_KEY_VARIABLE: secrets.token_hex(32),
    }
    got = c.with_secrets(
        configured, MemorySecrets(variables={k: v + "\n" for k, v in held.items()})
    )
    assert masking_key(got).secret.hex() == held[c.MASKING_KEY_VARIABLE]
    master = identity_key(got)
    assert master is not None and master.secret.hex() == held[c.IDENTITY_KEY_VARIABLE]
    assert not configured.masking_key_file.exists()  # the file was never read, nor made


def test_without_variables_the_key_files_hold(configured: Settings) -> None:
    got = c.with_secrets(configured, MemorySecrets())
    assert identity_key(got) is None  # no file, no Variable: unsigned, as before
    assert masking_key(got).source == str(configured.masking_key_file)


keys = st.text(st.characters(codec="ascii", exclude_categories=("Cc",)), min_size=1, max_size=40)


@hsettings(max_examples=25, deadline=None)
@given(access=keys, secret=keys, port=st.integers(1, 65535))
def test_the_json_form_reads_back_through_airflow(access: str, secret: str, port: int) -> None:
    """What the stack writes (`s3_connection` in ``AIRFLOW_CONN_ASSAY_S3``) is what a task
    reads through Airflow's own lookup, whatever characters the keys hold."""
    conn = c.s3_connection(f"http://127.0.0.1:{port}", "us-east-1", access, secret)
    found = read_back(c.S3_CONNECTION, conn)
    assert found == c.Found(c.S3_CONNECTION, access, secret, conn["extra"])


def read_back(conn_id: str, conn: dict[str, object]) -> c.Found | None:
    """``conn`` as ``AIRFLOW_CONN_<ID>`` holds it, read by Airflow's own lookup."""
    name = c.connection_env(conn_id)
    os.environ[name] = json.dumps(conn)
    try:
        return c.AirflowSecrets().connection(conn_id)
    finally:
        del os.environ[name]


def test_airflow_has_no_connection_nor_variable_by_default() -> None:
    assert c.AirflowSecrets().connection("assay_s3_nowhere") is None
    assert c.AirflowSecrets().variable("assay_nowhere") is None


def test_the_installation_guide_names_every_connection_and_variable() -> None:
    guide = (Path(__file__).parents[3] / "docs" / "airflow.md").read_text(encoding="utf-8")
    names = [c.S3_CONNECTION, c.s3_connection_id(RELEASER), c.kafka_connection_id("<contract>")]
    names += [c.KAFKA_CONNECTION, c.AIRFLOW_API_CONNECTION]
    names += [c.MASKING_KEY_VARIABLE, c.IDENTITY_KEY_VARIABLE, c.connection_env(c.S3_CONNECTION)]
    assert [n for n in names if f"`{n}" not in guide] == []


READABLE = Path(__file__)  # stands for a CA file: the settings check it can be read


@st.composite
def securities(draw: st.DrawFn) -> KafkaSecurity:
    """Every consistent security block: SASL needs a user and password, TLS may name a CA."""
    protocol = draw(st.sampled_from(["PLAINTEXT", "SSL", "SASL_SSL"]))
    sasl = {}
    if protocol == "SASL_SSL":
        sasl = {
            "mechanism": draw(st.sampled_from(["SCRAM-SHA-512", "SCRAM-SHA-256"])),
            "username": draw(st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)),
            "password": SecretStr(
                draw(st.from_regex(r"[A-Za-z0-9!#%&*+,./:;<=>?@^_~-]{1,30}", fullmatch=True))
            ),
        }
    ca = None if protocol == "PLAINTEXT" else draw(st.sampled_from([None, READABLE]))
    return KafkaSecurity(protocol=protocol, ca_file=ca, **sasl)


@hsettings(max_examples=40, deadline=None)
@given(
    security=securities(), bootstrap=st.from_regex(r"[a-z]{1,10}:[1-9][0-9]{0,4}", fullmatch=True)
)
def test_the_kafka_connection_gives_tasks_the_security_it_was_made_from(
    security: KafkaSecurity, bootstrap: str
) -> None:
    """What a stack or deployment writes as ``assay_kafka`` is what an ingest task connects
    with, through Airflow's own lookup; the settings' Kafka block is replaced, not merged."""
    conn = c.kafka_connection(bootstrap, security)
    name = c.connection_env(c.KAFKA_CONNECTION)
    os.environ[name] = json.dumps(conn)
    try:
        found = c.AirflowSecrets().connection(c.KAFKA_CONNECTION)
    finally:
        del os.environ[name]
    assert found is not None
    stale = Settings(kafka_username="someone-else", kafka_password_file=Path("/nowhere"))
    got = c.with_secrets(stale, MemorySecrets({c.KAFKA_CONNECTION: found}))
    assert got.bootstrap == bootstrap
    assert librdkafka_security(got.kafka_security()) == librdkafka_security(security)


def test_without_a_kafka_connection_the_settings_hold(configured: Settings) -> None:
    got = c.with_secrets(configured, MemorySecrets())
    assert got.kafka_security() == configured.kafka_security()


def test_a_kafka_connection_without_servers_says_which(configured: Settings) -> None:
    found = c.Found(c.KAFKA_CONNECTION, "", "", {"security.protocol": "PLAINTEXT"})
    with pytest.raises(ConfigError) as err:
        c.with_secrets(configured, MemorySecrets({c.KAFKA_CONNECTION: found}))
    assert err.value.places == [f"Airflow connection {c.KAFKA_CONNECTION}"]


def test_the_api_connection_gives_the_notify_task_a_viewer_login(configured: Settings) -> None:
    """Tasks may not read Airflow's database: the failed runs come over its REST API."""
    found = c.Found(c.AIRFLOW_API_CONNECTION, "viewer", "pw", {}, "http://api.airflow/", 8081)
    got = c.with_secrets(configured, MemorySecrets({c.AIRFLOW_API_CONNECTION: found}))
    assert (got.airflow_username, got.airflow_password.get_secret_value()) == ("viewer", "pw")
    assert (got.airflow_host, got.airflow_port) == ("api.airflow", 8081)
    as_url = c.Found(c.AIRFLOW_API_CONNECTION, "viewer", "pw", {}, "http://api.airflow:8082/")
    got = c.with_secrets(configured, MemorySecrets({c.AIRFLOW_API_CONNECTION: as_url}))
    assert (got.airflow_host, got.airflow_port) == ("api.airflow", 8082)
    assert c.with_secrets(configured, MemorySecrets()).airflow_host == configured.airflow_host


def test_an_api_connection_without_a_login_says_which(configured: Settings) -> None:
    found = c.Found(c.AIRFLOW_API_CONNECTION, "", "", {}, "127.0.0.1", 8080)
    with pytest.raises(ConfigError, match=c.AIRFLOW_API_CONNECTION):
        c.with_secrets(configured, MemorySecrets({c.AIRFLOW_API_CONNECTION: found}))


@pytest.mark.parametrize(
    "host", ["http://api:abc", "http://api:99999", "[::1", "http://[::1/", "api airflow", "a/b"]
)
def test_an_api_connection_whose_host_is_no_host_says_which(
    configured: Settings, host: str
) -> None:
    found = c.Found(c.AIRFLOW_API_CONNECTION, "viewer", "pw", {}, host)
    with pytest.raises(ConfigError, match="not a host name or URL") as err:
        c.with_secrets(configured, MemorySecrets({c.AIRFLOW_API_CONNECTION: found}))
    assert err.value.places == [f"Airflow connection {c.AIRFLOW_API_CONNECTION}"]


@hsettings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # the fixture's settings are only read
@given(host=st.text(max_size=40), port=st.none() | st.integers(1, 65535))
def test_any_api_host_gives_a_host_name_or_an_error_that_names_the_connection(
    configured: Settings, host: str, port: int | None
) -> None:
    """Whatever an operator typed as the host: a bare host name and a port, or a ConfigError."""
    found = c.Found(c.AIRFLOW_API_CONNECTION, "viewer", "pw", {}, host, port)
    try:
        got = c.with_secrets(configured, MemorySecrets({c.AIRFLOW_API_CONNECTION: found}))
    except ConfigError as err:
        assert err.places == [f"Airflow connection {c.AIRFLOW_API_CONNECTION}"]
        return
    assert got.airflow_host and not any(ch in got.airflow_host for ch in " /@?#[]\t\n")
    assert 1 <= got.airflow_port <= 65535


@hsettings(max_examples=25, deadline=None)
@given(login=keys, password=keys, port=st.integers(1, 65535))
def test_the_api_connection_reads_back_through_airflow(
    login: str, password: str, port: int
) -> None:
    conn = c.airflow_api_connection("127.0.0.1", port, login, password)
    found = read_back(c.AIRFLOW_API_CONNECTION, conn)
    assert found == c.Found(c.AIRFLOW_API_CONNECTION, login, password, {}, "127.0.0.1", port)
