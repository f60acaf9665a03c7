"""PostgreSQL for Airflow: finding the server and the commands built from the settings."""

from pathlib import Path

import pytest

from assay.config import Settings
from assay.devstack.stack import postgres as pg


def test_server_listens_on_loopback_with_socket_in_state() -> None:
    argv = pg.server_argv(Path("/pg/bin"), Path("/s/data"), 5544, Path("/s"))
    assert argv[0] == "/pg/bin/postgres"
    assert argv[argv.index("-D") + 1] == "/s/data"
    assert argv[argv.index("-p") + 1] == "5544"
    assert argv[argv.index("-k") + 1] == "/s"
    assert "listen_addresses=127.0.0.1" in argv


def test_root_runs_the_server_as_postgres_without_a_forking_wrapper() -> None:
    assert pg.as_server_user(["postgres"], euid=1000) == ["postgres"]
    wrapped = pg.as_server_user(["postgres", "-D", "x"], euid=0)
    assert wrapped[0] == "setpriv"
    assert "--reuid=postgres" in wrapped
    assert wrapped[wrapped.index("--") + 1 :] == ["postgres", "-D", "x"]


def test_newest_major_is_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for major in ("9", "15", "13"):
        (tmp_path / major / "bin").mkdir(parents=True)
        (tmp_path / major / "bin" / "postgres").touch()
    assert pg.find_bindir(tmp_path) == tmp_path / "15" / "bin"


def test_no_server_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert pg.find_bindir(tmp_path) is None


def test_port_comes_from_settings(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, cache_dir=tmp_path, postgres_port=5544)
    assert pg.Postgres(settings).ports == (5544,)


def test_every_connection_needs_a_scram_password() -> None:
    rules = [line.split() for line in pg.hba_conf().splitlines() if not line.startswith("#")]
    assert {r[0] for r in rules} == {"local", "host"}
    assert all(r[-1] == "scram-sha-256" for r in rules)
    assert "trust" not in pg.hba_conf()


def test_password_statement_doubles_quotes() -> None:
    sql = pg.set_password_sql("airflow", "it's")
    assert sql == "ALTER ROLE airflow WITH LOGIN PASSWORD 'it''s';\n"


def test_state_folder_is_shared_with_postgres_only_under_root(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    pg.share_state_dir(tmp_path, euid=1000)
    assert tmp_path.stat().st_mode & 0o777 == 0o700
