"""Airflow's services: the config, environment and commands they build from the settings."""

import configparser
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from assay.config import PIPELINE, ROOT, Settings
from assay.devstack.stack import airflow as af
from assay.devstack.stack._secrets import POSTGRES, stack_secret
from assay.errors import ConfigError
from assay.govern.access._credentials import load_or_generate


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # Away from a running stack's state folder, whose stack.toml the settings would read.
    for key in [k for k in os.environ if k.startswith("ASSAY_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return Settings(state_dir=tmp_path / "state", cache_dir=tmp_path / "cache", airflow_port=8181)


def parse(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def test_config_binds_loopback_with_dags_folder_and_no_examples(settings: Settings) -> None:
    cfg = parse(af.airflow_config(settings, af.Keys.generate(), dags=Path("/repo/dags")))
    assert cfg["core"]["dags_folder"] == "/repo/dags"
    assert cfg["core"]["load_examples"] == "false"
    assert cfg["core"]["executor"] == "assay.pipeline.airflow.warm_executor.WarmLocalExecutor"
    assert cfg["api"]["host"] == "127.0.0.1"
    assert cfg["api"]["port"] == "8181"
    assert cfg["api"]["base_url"] == "http://127.0.0.1:8181"
    assert cfg["core"]["execution_api_server_url"] == "http://127.0.0.1:8181/execution/"


def test_config_defaults_to_the_repository_dags_folder(settings: Settings) -> None:
    cfg = parse(af.airflow_config(settings, af.Keys.generate()))
    assert Path(cfg["core"]["dags_folder"]) == af.DAGS
    assert af.DAGS.name == "dags"


def test_sqlite_lives_in_airflow_home(settings: Settings) -> None:
    sync, asynchronous = af.database_urls(settings)
    db = af.airflow_home(settings) / "airflow.db"
    assert sync == f"sqlite:///{db}"
    assert asynchronous == f"sqlite+aiosqlite:///{db}"
    assert af.airflow_home(settings).is_absolute()


def test_postgres_uses_one_driver_for_both_engines_and_a_password(settings: Settings) -> None:
    pg = settings.model_copy(update={"airflow_db": "postgres", "postgres_port": 5555})
    sync, asynchronous = af.database_urls(pg)
    password = stack_secret(settings.state_dir, POSTGRES)
    assert len(password) >= 32 and "%" not in password
    assert sync == f"postgresql+psycopg://airflow:{password}@127.0.0.1:5555/airflow"
    assert asynchronous == f"postgresql+psycopg_async://airflow:{password}@127.0.0.1:5555/airflow"
    assert af.database_urls(pg) == (sync, asynchronous)  # generated once


def test_ui_and_api_need_a_login(settings: Settings) -> None:
    path = af.write_config(settings)
    cfg = parse(path.read_text())
    assert "simple_auth_manager_all_admins" not in cfg["core"]
    assert cfg["core"]["simple_auth_manager_users"] == "admin:admin,assay-console:viewer"
    passwords = Path(cfg["core"]["simple_auth_manager_passwords_file"])
    logins = {"admin": af.admin_password(settings), "assay-console": af.console_password(settings)}
    assert json.loads(passwords.read_text()) == logins
    assert logins["admin"] != logins["assay-console"]
    for private in (path, passwords, af.admin_password_file(settings)):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    af.write_config(settings)
    assert json.loads(passwords.read_text()) == logins


def test_the_console_reads_airflow_as_a_viewer_not_the_admin(settings: Settings) -> None:
    from assay.devstack.stack.console import Console

    env = Console(settings).env()
    assert env["ASSAY_AIRFLOW_USERNAME"] == "assay-console"
    assert env["ASSAY_AIRFLOW_PASSWORD"] == af.console_password(settings)
    assert env["ASSAY_AIRFLOW_PASSWORD"] != af.admin_password(settings)


def test_keys_round_trip_through_the_config(settings: Settings) -> None:
    keys = af.Keys.generate()
    assert af.read_keys(af.airflow_config(settings, keys)) == keys


def test_keys_are_fresh_and_long_enough_for_hs512() -> None:
    first, second = af.Keys.generate(), af.Keys.generate()
    assert first != second
    assert len(first.jwt_secret) >= 64
    assert len(first.fernet_key) == 44  # 32 bytes, URL-safe base64


def test_read_keys_of_a_config_without_them_is_none() -> None:
    assert af.read_keys("[core]\ndags_folder = /x\n") is None


def test_env_points_at_home_and_this_interpreter(settings: Settings) -> None:
    load_or_generate(settings.state_dir, PIPELINE)
    base = {"PATH": "/usr/bin:/bin", "AIRFLOW_CONFIG": "/elsewhere.cfg", "AIRFLOW__CORE__X": "1"}
    env = af.airflow_env(settings, base)
    assert env["AIRFLOW_HOME"] == str(af.airflow_home(settings))
    assert "AIRFLOW_CONFIG" not in env
    assert env["AIRFLOW__CORE__X"] == "1"
    assert env["PATH"].split(":") == [str(Path(sys.executable).parent), "/usr/bin", "/bin"]


def test_tasks_get_the_pipeline_keys_and_no_other(settings: Settings) -> None:
    pipeline = load_or_generate(settings.state_dir, PIPELINE)
    load_or_generate(settings.state_dir, ROOT)
    shell = {"ASSAY_S3_ACCESS_KEY": "root-key", "ASSAY_S3_SECRET_KEY": "root-secret"}
    configured = settings.model_copy(update={"s3_access_key": "root-key"})
    env = af.airflow_env(configured, {"PATH": "/bin", **shell})
    assert env["ASSAY_S3_ACCESS_KEY"] == pipeline.access_key
    assert env["ASSAY_S3_SECRET_KEY"] == pipeline.secret_key.get_secret_value()
    assert env["ASSAY_S3_ROLE"] == PIPELINE
    conn = json.loads(env["AIRFLOW_CONN_ASSAY_S3"])  # what tasks read first (`connections`)
    assert (conn["conn_type"], conn["extra"]["endpoint_url"]) == ("aws", settings.endpoint)
    assert (conn["login"], conn["password"]) == (
        pipeline.access_key,
        pipeline.secret_key.get_secret_value(),
    )
    assert not any("root-secret" in v for v in env.values())


def test_no_pipeline_keys_no_airflow(settings: Settings) -> None:
    with pytest.raises(ConfigError) as err:
        af.airflow_env(settings, {"PATH": "/bin"})
    assert any(p.endswith("access/pipeline.toml") for p in err.value.places)


@pytest.mark.parametrize(
    ("service", "command"),
    [
        (af.AirflowApi, ["api-server"]),
        (af.AirflowScheduler, ["scheduler", "--skip-serve-logs"]),
        (af.AirflowDagProcessor, ["dag-processor"]),
        (af.AirflowTriggerer, ["triggerer", "--skip-serve-logs"]),
    ],
)
def test_each_component_runs_with_this_interpreter(
    settings: Settings, service: type[af.Service], command: list[str]
) -> None:
    assert service(settings).argv() == [sys.executable, "-m", "airflow", *command]


def test_only_the_api_server_has_a_port(settings: Settings) -> None:
    ports = {svc.name: svc.ports for svc in af.airflow_services(settings)}
    assert ports == {
        "airflow": (8181,),
        "airflow-scheduler": (),
        "airflow-dag-processor": (),
        "airflow-triggerer": (),
    }


def test_api_server_starts_first_and_postgres_before_it(settings: Settings) -> None:
    names = [s.name for s in af.airflow_services(settings)]
    assert names == ["airflow", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]
    pg = settings.model_copy(update={"airflow_db": "postgres"})
    assert [s.name for s in af.airflow_services(pg)] == ["postgres", *names]


def test_exports_airflow_home_and_the_login_once_there_is_one(settings: Settings) -> None:
    home = {"AIRFLOW_HOME": str(af.airflow_home(settings))}
    assert af.AirflowApi(settings).exports() == home
    password = af.admin_password(settings)
    assert af.AirflowApi(settings).exports() == {
        **home,
        "ASSAY_AIRFLOW_USERNAME": "admin",
        "ASSAY_AIRFLOW_PASSWORD": password,
    }


HEALTH = {
    "metadatabase": {"status": "healthy"},
    "scheduler": {"status": "healthy", "latest_scheduler_heartbeat": "2026-01-01T00:00:10+00:00"},
    "triggerer": {"status": "unhealthy", "latest_triggerer_heartbeat": None},
}


def test_component_health_reads_status_and_fresh_heartbeat() -> None:
    started = 1767225600.0  # 2026-01-01T00:00:00Z
    assert af.component_healthy(HEALTH, "metadatabase", None)
    assert af.component_healthy(HEALTH, "scheduler", started)
    assert not af.component_healthy(HEALTH, "scheduler", started + 60)  # beat of a previous run
    assert not af.component_healthy(HEALTH, "triggerer", None)
    assert not af.component_healthy(HEALTH, "dag_processor", None)
    assert not af.component_healthy(None, "metadatabase", None)


def test_no_orphans_without_a_record_or_with_a_live_leader() -> None:
    from assay.devstack.stack._process import PidRecord

    assert af.stop_orphans(None) is False
    assert af.stop_orphans(PidRecord(1, 0)) is False  # pid 1 runs: never signal its group


def test_the_stacks_tasks_read_airflows_runs_as_the_console_viewer_never_the_admin(
    settings: Settings,
) -> None:
    from assay.devstack.stack.airflow import (
        CONSOLE_VIEWER,
        AirflowScheduler,
        admin_password,
        console_password,
    )

    load_or_generate(settings.state_dir, PIPELINE)
    env = AirflowScheduler(settings).env()
    conn = json.loads(env["AIRFLOW_CONN_ASSAY_AIRFLOW_API"])
    assert (conn["conn_type"], conn["host"]) == ("http", "127.0.0.1")
    assert conn["port"] == settings.airflow_port
    assert (conn["login"], conn["password"]) == (CONSOLE_VIEWER, console_password(settings))
    assert not any(admin_password(settings) in v for v in env.values())
