"""Apache Airflow 3.3 as four plain processes sharing one ``AIRFLOW_HOME``.

The API server, scheduler, DAG processor and triggerer run as separate services rather
than under ``airflow standalone``: each gets its own pid, log and status, ``assay stack up``
restarts only the one that died, and stopping one stops its whole process group.

Everything they share lives in ``<state>/airflow/airflow.cfg``, written from the settings
on every start. A client that only sets ``AIRFLOW_HOME`` to that folder (the ``airflow``
CLI, ``dag.test()`` in an integration test) therefore sees the same DAGs folder, database
and keys as the running services. The LocalExecutor works with SQLite in Airflow 3.
"""

from __future__ import annotations

import base64
import configparser
import json
import os
import secrets
import signal
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, ClassVar

from assay.config import Settings
from assay.devstack.stack import _process
from assay.devstack.stack._airflow_env import airflow_env, airflow_home
from assay.devstack.stack._secrets import (
    AIRFLOW_ADMIN,
    AIRFLOW_CONSOLE,
    POSTGRES,
    existing_secret,
    secret_file,
    stack_secret,
)
from assay.devstack.stack._service import Progress, Service
from assay.errors import StackError
from assay.private_files import write_private

DAGS = Path(__file__).resolve().parents[3] / "dags"
HEALTH_PATH = "/api/v2/monitor/health"
VERSION_PATH = "/api/v2/version"
SIMPLE_AUTH = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
#: The one user of the UI and REST API; its password is generated into the state folder.
ADMIN = "admin"
# The steward console reads DAG runs for its overview: a viewer, never the admin.
CONSOLE_VIEWER = "assay-console"
PASSWORDS_FILE = "simple_auth_manager_passwords.json"
#: LocalExecutor forks this many workers up front; the default 32 is for servers. With the
#: warm executor each holds the pipeline's libraries: ~290 MB resident, ~100 MB of it its own
#: (the rest is shared with the scheduler, copy-on-write).
PARALLELISM = 4
#: The LocalExecutor, its workers forked with the pipeline's libraries already imported.
EXECUTOR = "assay.pipeline.airflow.warm_executor.WarmLocalExecutor"


@dataclass(frozen=True)
class Keys:
    """Generated once per AIRFLOW_HOME; kept across restarts so tokens and secrets stay valid."""

    fernet_key: str
    jwt_secret: str
    secret_key: str

    @classmethod
    def generate(cls) -> Keys:
        """Fresh keys: a Fernet key, and a JWT secret long enough for HS512 (64 bytes)."""
        return cls(
            fernet_key=base64.urlsafe_b64encode(os.urandom(32)).decode(),
            jwt_secret=secrets.token_urlsafe(64),
            secret_key=secrets.token_urlsafe(32),
        )


def api_url(settings: Settings) -> str:
    """Base URL of the API server (UI, REST API and the execution API tasks call)."""
    return f"http://127.0.0.1:{settings.airflow_port}"


def admin_password(settings: Settings) -> str:
    """The UI and REST API password of `ADMIN` (generated once into the state folder)."""
    return stack_secret(settings.state_dir, AIRFLOW_ADMIN)


def console_password(settings: Settings) -> str:
    """The password of `CONSOLE_VIEWER`, Airflow's read-only user the console signs in as."""
    return stack_secret(settings.state_dir, AIRFLOW_CONSOLE)


def api_connection(settings: Settings) -> dict[str, str]:
    """``AIRFLOW_CONN_ASSAY_AIRFLOW_API``: this stack's API server as the console's read-only
    user, for the notify task (`connections.AIRFLOW_API_CONNECTION`). A deployment's Airflow
    has users of its own, so `airflow_env` (what every deployment's tasks get) leaves it out."""
    from assay.pipeline.airflow import connections

    conn = connections.airflow_api_connection(
        "127.0.0.1", settings.airflow_port, CONSOLE_VIEWER, console_password(settings)
    )
    return connections.connection_variables({connections.AIRFLOW_API_CONNECTION: conn})


def admin_password_file(settings: Settings) -> Path:
    """Where `admin_password` is kept (0600)."""
    return secret_file(settings.state_dir, AIRFLOW_ADMIN)


def database_urls(settings: Settings) -> tuple[str, str]:
    """Sync and async SQLAlchemy URLs of the metadata database."""
    if settings.airflow_db == "postgres":
        # psycopg 3 serves both engines, so one driver package is enough. The generated
        # password is URL-safe and has no '%', which airflow.cfg would interpolate.
        password = stack_secret(settings.state_dir, POSTGRES)
        base = f"airflow:{password}@127.0.0.1:{settings.postgres_port}/airflow"
        return f"postgresql+psycopg://{base}", f"postgresql+psycopg_async://{base}"
    path = airflow_home(settings) / "airflow.db"
    return f"sqlite:///{path}", f"sqlite+aiosqlite:///{path}"


def airflow_config(settings: Settings, keys: Keys, dags: Path | None = None) -> str:
    """The text of ``airflow.cfg``; options left out keep Airflow's defaults."""
    from assay.devstack.stack.airflow_celery import EXECUTOR as CELERY
    from assay.devstack.stack.airflow_celery import celery_sections

    url = api_url(settings)
    sync_url, async_url = database_urls(settings)
    sections: dict[str, dict[str, Any]] = {
        "core": {
            "dags_folder": dags or DAGS,
            "load_examples": False,
            "executor": CELERY if settings.airflow_workers else EXECUTOR,
            "parallelism": PARALLELISM,
            # Asset-triggered DAGs must run as soon as they are parsed on a dev stack.
            "dags_are_paused_at_creation": False,
            "auth_manager": SIMPLE_AUTH,
            # A login for the UI and the REST API, even on loopback: any local user reaches
            # the port, and an admin can read connections and trigger any DAG.
            "simple_auth_manager_users": f"{ADMIN}:admin,{CONSOLE_VIEWER}:viewer",
            "simple_auth_manager_passwords_file": airflow_home(settings) / PASSWORDS_FILE,
            "execution_api_server_url": f"{url}/execution/",
            "fernet_key": keys.fernet_key,
        },
        "database": {"sql_alchemy_conn": sync_url, "sql_alchemy_conn_async": async_url},
        "api": {
            "host": "127.0.0.1",
            "port": settings.airflow_port,
            "base_url": url,
            "secret_key": keys.secret_key,
        },
        "api_auth": {"jwt_secret": keys.jwt_secret},
        # New DAG files show up within seconds instead of the default five minutes.
        "dag_processor": {"refresh_interval": 10},
        **celery_sections(settings, sync_url),
    }
    lines = ["# written by `assay stack up` on every start; edit the settings instead"]
    for section, options in sections.items():
        lines += ["", f"[{section}]"]
        lines += [f"{key} = {_cfg_value(value)}" for key, value in options.items()]
    return "\n".join(lines) + "\n"


def _cfg_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def read_keys(config_text: str) -> Keys | None:
    """The keys of an existing ``airflow.cfg``, if it has all three."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(config_text)
    found = (
        parser.get("core", "fernet_key", fallback=""),
        parser.get("api_auth", "jwt_secret", fallback=""),
        parser.get("api", "secret_key", fallback=""),
    )
    return Keys(*found) if all(found) else None


def write_config(settings: Settings) -> Path:
    """Write ``airflow.cfg`` from the settings, keeping the keys it already holds."""
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "airflow.cfg"
    keys = (read_keys(path.read_text()) if path.is_file() else None) or Keys.generate()
    write_private(path, airflow_config(settings, keys).encode())
    logins = {ADMIN: admin_password(settings), CONSOLE_VIEWER: console_password(settings)}
    passwords = json.dumps(logins) + "\n"
    write_private(home / PASSWORDS_FILE, passwords.encode())
    return path


def fetch_json(url: str, timeout: float = 3.0) -> dict[str, Any] | None:
    """A JSON object from ``url``, or ``None`` when nothing sensible answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = json.load(resp)
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def component_healthy(health: dict[str, Any] | None, key: str, since: float | None) -> bool:
    """True when ``key`` reports healthy with a heartbeat no older than ``since`` (epoch s)."""
    entry = (health or {}).get(key) or {}
    if entry.get("status") != "healthy":
        return False
    if since is None:
        return True
    beat = entry.get(f"latest_{key}_heartbeat")
    # A job killed moments ago still looks healthy; only a beat after our start counts.
    return isinstance(beat, str) and datetime.fromisoformat(beat).timestamp() >= since


def stop_orphans(record: _process.PidRecord | None) -> bool:
    """SIGKILL what is left of a dead leader's process group; True if anything was left.

    LocalExecutor workers ignore SIGTERM and outlive a scheduler killed with SIGKILL. While
    any of them runs, the kernel keeps the leader's pid (their group id) from being reused,
    so signalling the group reaches only them.
    """
    if record is None or _process.start_time(record.pid) is not None:
        return False  # the leader runs (ours or a reused pid): not orphans
    try:
        os.killpg(record.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def installed_version() -> str:
    """The Airflow this interpreter would run."""
    try:
        return f"Apache Airflow {package_version('apache-airflow')}"
    except PackageNotFoundError:
        return "not installed"


class _Airflow(Service):
    """What the four processes share: the interpreter, the home, the config."""

    command: ClassVar[tuple[str, ...]] = ()
    ready_timeout = 120.0

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "airflow", *self.command]

    def env(self) -> dict[str, str]:
        return airflow_env(self.settings, super().env()) | api_connection(self.settings)

    def prepare(self, progress: Progress) -> None:
        if stop_orphans(_process.read_pid(self.pid_file)):
            progress(f"{self.name}: stopped workers left by a crashed run")
        self._check_driver()
        write_config(self.settings)

    def down(self) -> bool:
        record = _process.read_pid(self.pid_file)
        stopped = super().down()
        return stop_orphans(record) or stopped

    def health(self) -> dict[str, Any] | None:
        """The API server's view of the metadata database and every component."""
        return fetch_json(api_url(self.settings) + HEALTH_PATH)

    def version(self) -> str:
        return installed_version()

    def _check_driver(self) -> None:
        if self.settings.airflow_db != "postgres":
            return
        from importlib.util import find_spec

        if find_spec("psycopg") is None:
            raise StackError(
                self.name,
                "the PostgreSQL driver psycopg 3 is not installed",
                "add `psycopg[binary]>=3.2` to the full profile, or use --db sqlite",
            )


class AirflowApi(_Airflow):
    """The API server: UI, REST API and the execution API that task processes call."""

    name = "airflow"
    command = ("api-server",)

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.airflow_port,)

    def prepare(self, progress: Progress) -> None:
        super().prepare(progress)
        progress("airflow: migrating the metadata database (`airflow db migrate`)")
        self.run_step(
            [*self.argv()[:3], "db", "migrate"],
            env=self.env(),
            what="`airflow db migrate`",
            fix=f"check {airflow_home(self.settings) / 'airflow.cfg'} and the database, "
            "then run `assay stack up` again",
        )

    def probe(self) -> bool:
        """The API answers and reaches the metadata database."""
        health = self.health()
        return bool(health) and component_healthy(health, "metadatabase", None)

    def version(self) -> str:
        body = fetch_json(api_url(self.settings) + VERSION_PATH)
        if body and "version" in body:
            return f"Apache Airflow {body['version']}"
        return installed_version()

    def exports(self) -> dict[str, str]:
        # Airflow's own variable: `airflow` and `dag.test()` then reach this stack's home.
        # The login lets a person into the UI and a client (`airflow_client`) to a token.
        found = {"AIRFLOW_HOME": str(airflow_home(self.settings))}
        if password := existing_secret(self.settings.state_dir, AIRFLOW_ADMIN):
            found |= {"ASSAY_AIRFLOW_USERNAME": ADMIN, "ASSAY_AIRFLOW_PASSWORD": password}
        return found


class _Background(_Airflow):
    """A component without a port of its own; healthy when its job heartbeats."""

    health_key: ClassVar[str] = ""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._since: float | None = None

    @property
    def ports(self) -> tuple[int, ...]:
        return ()

    def prepare(self, progress: Progress) -> None:
        super().prepare(progress)
        # Heartbeat times are stored at microsecond precision; allow a little clock slack.
        self._since = time.time() - 1.0

    def probe(self) -> bool:
        return component_healthy(self.health(), self.health_key, self._since)


class AirflowScheduler(_Background):
    """Schedules runs and executes tasks with the LocalExecutor."""

    name = "airflow-scheduler"
    # Serving logs binds 0.0.0.0:8793; the API server reads the local log files anyway.
    command = ("scheduler", "--skip-serve-logs")
    health_key = "scheduler"


class AirflowDagProcessor(_Background):
    """Parses the DAGs folder and records DAGs and import errors."""

    name = "airflow-dag-processor"
    command = ("dag-processor",)
    health_key = "dag_processor"


class AirflowTriggerer(_Background):
    """Runs deferred tasks and asset watchers (the Kafka topic watcher)."""

    name = "airflow-triggerer"
    command = ("triggerer", "--skip-serve-logs")
    health_key = "triggerer"


def airflow_services(settings: Settings) -> list[Service]:
    """Airflow's services in start order: database (and Celery's broker), API server
    (migrates), the rest, then any Celery workers."""
    from assay.devstack.stack.airflow_celery import celery_services

    before, workers = celery_services(settings)
    chosen: list[Service] = []
    if settings.airflow_db == "postgres":
        from assay.devstack.stack.postgres import Postgres

        chosen.append(Postgres(settings))
    chosen += [
        *before,
        AirflowApi(settings),
        AirflowScheduler(settings),
        AirflowDagProcessor(settings),
        AirflowTriggerer(settings),
        *workers,
    ]
    return chosen
