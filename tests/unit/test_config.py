from pathlib import Path

import pytest
from pydantic import ValidationError

from assay.config import (
    PIPELINE,
    RELEASER,
    ROOT,
    STEWARD,
    Settings,
    load_settings,
    role_keys_file,
)
from assay.errors import ConfigError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(__import__("os").environ):
        if key.startswith("ASSAY_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_point_at_loopback() -> None:
    settings = load_settings()
    assert settings.bootstrap == "127.0.0.1:9092"
    assert settings.endpoint == "http://127.0.0.1:7070"
    assert settings.state_dir == Path(".assay")


def test_environment_wins_over_toml_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "assay.toml").write_text('kafka_port = 19092\nbucket_raw = "from-file"\n')
    monkeypatch.setenv("ASSAY_KAFKA_PORT", "29092")
    settings = load_settings()
    assert settings.kafka_port == 29092
    assert settings.bucket_raw == "from-file"


def role_keys(state: Path, role: str) -> None:
    path = role_keys_file(state, role)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'access_key = "ak-{role}"\nsecret_key = "sk-{role}"\n')


def test_each_use_gets_its_roles_keys_from_the_state_folder(tmp_path: Path) -> None:
    state = tmp_path / "state"
    for role in (ROOT, PIPELINE, RELEASER, STEWARD):
        role_keys(state, role)
    (state / "stack.toml").write_text("s3_port = 17070\n")
    (tmp_path / "assay.toml").write_text(f'state_dir = "{state}"\n')
    settings = load_settings()
    assert settings.endpoint == "http://127.0.0.1:17070"
    assert settings.s3_credentials() == ("ak-steward", "sk-steward")  # read-only by default
    assert settings.as_role(PIPELINE).s3_credentials() == ("ak-pipeline", "sk-pipeline")
    assert settings.s3_credentials(ROOT) == ("ak-root", "sk-root")
    assert settings.as_role(RELEASER).s3_credentials() == ("ak-releaser", "sk-releaser")


def test_one_configured_pair_serves_every_role(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    role_keys(tmp_path / ".assay", PIPELINE)
    monkeypatch.setenv("ASSAY_S3_ACCESS_KEY", "pilot-ak")
    monkeypatch.setenv("ASSAY_S3_SECRET_KEY", "pilot-sk")
    settings = load_settings().as_role(PIPELINE)
    assert settings.s3_credentials() == settings.s3_credentials(ROOT) == ("pilot-ak", "pilot-sk")


def test_a_role_name_is_checked() -> None:
    with pytest.raises(ValidationError):
        Settings(s3_role="admin")
    assert Settings(s3_role="pilot-base_a").s3_role == "pilot-base_a"


def test_config_file_beats_stack_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    state = tmp_path / "s"
    state.mkdir()
    (state / "stack.toml").write_text("s3_port = 1\n")
    cfg = tmp_path / "custom.toml"
    cfg.write_text(f's3_port = 2\nstate_dir = "{state}"\n')
    monkeypatch.setenv("ASSAY_CONFIG", str(cfg))
    assert load_settings().s3_port == 2


def test_missing_credentials_say_every_place_looked() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings().as_role(RELEASER).s3_credentials()
    places = err.value.places
    assert any("ASSAY_S3_SECRET_KEY" in p for p in places)
    assert any(p.endswith("assay.toml") for p in places)
    assert any(p.endswith("access/releaser.toml") for p in places)


def test_secret_is_not_shown_in_repr() -> None:
    settings = Settings(s3_access_key="ak", s3_secret_key="very-secret")
    assert "very-secret" not in repr(settings)


def test_broken_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "assay.toml").write_text("kafka_port = = 1\n")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert err.value.places == ["assay.toml"]


def test_buckets_by_role() -> None:
    assert set(load_settings().buckets) == {
        "raw",
        "curated",
        "quarantine",
        "deadletter",
        "reports",
        "releases",
    }


def test_the_stack_file_is_read_from_the_state_folder_given(tmp_path: Path) -> None:
    (tmp_path / ".assay").mkdir()
    (tmp_path / ".assay" / "stack.toml").write_text('airflow_db = "postgres"\ns3_port = 1\n')
    other = tmp_path / "other"
    other.mkdir()
    (other / "stack.toml").write_text("s3_port = 2\n")
    assert load_settings().airflow_db == "postgres"
    given = load_settings(state_dir=other)
    assert (given.airflow_db, given.s3_port) == ("sqlite", 2)


def test_the_kafka_block_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "ingest.password").write_text("pw\n")
    monkeypatch.setenv("ASSAY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("ASSAY_KAFKA_USERNAME", "ingest")
    monkeypatch.setenv("ASSAY_KAFKA_PASSWORD_FILE", str(tmp_path / "ingest.password"))
    security = load_settings().kafka_security()
    assert (security.protocol, security.mechanism, security.username) == (
        "SASL_SSL",
        "SCRAM-SHA-512",
        "ingest",
    )
    assert security.secret() == "pw"


def test_an_inconsistent_kafka_block_says_where_it_looked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASSAY_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    with pytest.raises(ConfigError) as err:
        load_settings().kafka_security()
    assert "SASL_SSL needs a username" in str(err.value)
    assert any("ASSAY_KAFKA_" in p for p in err.value.places)
    assert any(p.endswith("stack.toml") for p in err.value.places)


def test_a_missing_kafka_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSAY_KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("ASSAY_KAFKA_CA_FILE", str(tmp_path / "nowhere.pem"))
    with pytest.raises(ConfigError, match="kafka_ca_file: cannot read"):
        load_settings().kafka_security()


def test_every_field_of_the_kafka_block_is_a_setting() -> None:
    from schemas.kafka_security import KafkaSecurity

    names = {"protocol": "kafka_security_protocol", "mechanism": "kafka_sasl_mechanism"}
    for field in KafkaSecurity.model_fields:
        assert names.get(field, f"kafka_{field}") in Settings.model_fields, field


def test_contracts_dir_from_the_environment_is_a_path_list(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os

    monkeypatch.setenv("ASSAY_CONTRACTS_DIR", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    assert load_settings().contracts_dir == [tmp_path / "a", tmp_path / "b"]


def test_contracts_dir_from_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "assay.toml").write_text('contracts_dir = ["site", "more"]\n')
    assert load_settings().contracts_dir == [Path("site"), Path("more")]
    (tmp_path / "assay.toml").write_text('contracts_dir = "site"\n')
    assert load_settings().contracts_dir == [Path("site")]
