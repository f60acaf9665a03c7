"""PostgreSQL for Airflow on a private cluster: every connection needs the generated password.

The cluster is this module's own (a fresh state folder and port), started and stopped
by the stack's `Postgres` service exactly as ``assay stack up --db postgres`` does.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from assay.config import Settings
from assay.devstack.stack import _process
from assay.devstack.stack._secrets import POSTGRES, secret_file
from assay.devstack.stack.postgres import Postgres, share_state_dir

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster() -> Iterator[Postgres]:
    # Not under pytest's tmp folder: under root the server runs as `postgres`, which must
    # pass through every parent folder, and pytest's are 0700.
    state = Path(tempfile.mkdtemp(prefix="assay-pg-"))
    share_state_dir(state, os.geteuid())
    server = Postgres(Settings(state_dir=state, postgres_port=_process.free_port()))
    server.up(lambda _: None)
    try:
        yield server
    finally:
        server.down()
        shutil.rmtree(state, ignore_errors=True)


def connect(server: Postgres, password: str | None, host: str = "127.0.0.1") -> None:
    with psycopg.connect(
        host=host,
        port=server.settings.postgres_port,
        user="airflow",
        dbname="airflow",
        password=password,
        connect_timeout=5,
    ) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_the_generated_password_connects(cluster: Postgres) -> None:
    connect(cluster, cluster.password)
    assert (secret_file(cluster.settings.state_dir, POSTGRES).stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize("password", [None, "", "wrong-password"])
def test_nothing_else_connects(cluster: Postgres, password: str | None) -> None:
    with pytest.raises(psycopg.OperationalError) as err:
        connect(cluster, password)
    assert "password" in str(err.value)


def test_the_unix_socket_also_asks_for_the_password(cluster: Postgres) -> None:
    with pytest.raises(psycopg.OperationalError):
        connect(cluster, None, host=str(cluster.home))
    connect(cluster, cluster.password, host=str(cluster.home))


def test_a_deleted_password_is_replaced_on_restart(cluster: Postgres) -> None:
    old = cluster.password
    secret_file(cluster.settings.state_dir, POSTGRES).unlink()
    cluster.down()
    cluster.up(lambda _: None)
    assert cluster.password != old
    connect(cluster, cluster.password)
    with pytest.raises(psycopg.OperationalError):
        connect(cluster, old)
