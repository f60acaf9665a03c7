"""Distributed Airflow for ``assay stack up --cluster``: the CeleryExecutor, Redis, workers.

The scheduler queues each task in Redis (Debian's ``redis-server``: loopback only, with a
password generated into ``<state>/secrets/redis``, the queue kept in an append-only file);
``airflow celery worker`` processes take them, each with its own pid and log, so a test can
kill one and see its task retried on another. Task results go to the metadata database
(PostgreSQL: Celery cannot share SQLite between processes).

A worker runs `WORKER_CONCURRENCY` task at a time: one worker is one core's worth of tasks,
which is what the capacity model in bench/README.md counts.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from assay.config import Settings
from assay.devstack.stack._airflow_env import airflow_env
from assay.devstack.stack._secrets import stack_secret
from assay.devstack.stack._service import Prerequisite, Progress, Service
from assay.errors import StackError
from assay.private_files import write_private

EXECUTOR = "CeleryExecutor"
REDIS_SECRET = "redis"
WORKER_CONCURRENCY = 1
#: A task whose worker died is failed (and retried) after this long without a heartbeat.
HEARTBEAT_TIMEOUT = 45
QUEUED_TIMEOUT = 60
_READY = re.compile(rb"\bworker\d+@\S+ ready\.")


def redis_url(settings: Settings) -> str:
    """The Celery broker URL; the password is URL-safe, so it needs no quoting."""
    password = stack_secret(settings.state_dir, REDIS_SECRET)
    return f"redis://:{password}@127.0.0.1:{settings.redis_port}/0"


def celery_sections(settings: Settings, sync_url: str) -> dict[str, dict[str, Any]]:
    """``airflow.cfg`` sections that switch the stack to Celery (empty without workers)."""
    if not settings.airflow_workers:
        return {}
    return {
        "celery": {
            "broker_url": redis_url(settings),
            "result_backend": "db+" + sync_url,
            "worker_concurrency": WORKER_CONCURRENCY,
        },
        # A worker fetches one task ahead at most: a killed worker strands no queue of them.
        "celery_broker_transport_options": {"visibility_timeout": 600},
        # A task a killed worker had taken but not started is queued again after a minute.
        "scheduler": {
            "task_instance_heartbeat_timeout": HEARTBEAT_TIMEOUT,
            "task_queued_timeout": QUEUED_TIMEOUT,
        },
    }


class Redis(Service):
    """The Celery broker: Debian's ``redis-server`` with a password, on loopback."""

    name = "redis"
    prerequisites = (
        Prerequisite("redis-server", "install Redis (Debian: apt-get install redis-server)"),
    )
    ready_timeout = 30.0

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.redis_port,)

    def prepare(self, progress: Progress) -> None:
        # The password stays off the command line (`ps` shows it to every local user).
        password = stack_secret(self.settings.state_dir, REDIS_SECRET)
        lines = [
            f"port {self.settings.redis_port}",
            "bind 127.0.0.1",
            "protected-mode yes",
            f"requirepass {password}",
            f"dir {self.home}",
            "appendonly yes",
            'save ""',
            "daemonize no",
        ]
        write_private(self.home / "redis.conf", ("\n".join(lines) + "\n").encode())

    def argv(self) -> list[str]:
        return ["redis-server", str(self.home / "redis.conf")]

    def probe(self) -> bool:
        """AUTH with the stack's password, then PING answers PONG."""
        password = stack_secret(self.settings.state_dir, REDIS_SECRET)
        request = f"AUTH {password}\r\nPING\r\n".encode()
        try:
            with socket.create_connection(("127.0.0.1", self.settings.redis_port), 2) as sock:
                sock.sendall(request)
                return _read_until(sock, b"+PONG", 2.0)
        except OSError:
            return False

    def version(self) -> str:
        try:
            done = subprocess.run(
                ["redis-server", "--version"], capture_output=True, text=True, check=False
            )
        except OSError:
            return "not installed"
        found = re.search(r"v=([\d.]+)", done.stdout)
        return f"Redis {found[1]}" if found else "unknown"


def _read_until(sock: socket.socket, marker: bytes, timeout: float) -> bool:
    sock.settimeout(timeout)
    seen = b""
    while marker not in seen:
        chunk = sock.recv(256)
        if not chunk or seen.count(b"\r\n") > 2:
            return False
        seen += chunk
    return True


class CeleryWorker(Service):
    """``airflow celery worker``: runs queued tasks; ready once Celery says so.

    Shares the Airflow processes' home and environment; ``airflow.cfg`` is already written
    by the API server, which starts first."""

    def __init__(self, settings: Settings, number: int) -> None:
        super().__init__(settings)
        self.number = number
        self.name = f"airflow-worker-{number}"
        self._log_start = 0

    @property
    def ports(self) -> tuple[int, ...]:
        return ()

    def argv(self) -> list[str]:
        return [
            sys.executable,
            *("-m", "airflow", "celery", "worker"),
            *("--celery-hostname", f"worker{self.number}@%h"),
            *("--concurrency", str(WORKER_CONCURRENCY)),
            *("--pid", str(self.home / "worker.pid")),
            "--skip-serve-logs",
        ]

    def env(self) -> dict[str, str]:
        return airflow_env(self.settings, super().env())

    def prepare(self, progress: Progress) -> None:
        log = self.log_file
        self._log_start = log.stat().st_size if log.is_file() else 0

    def probe(self) -> bool:
        """The worker's log says it is ready, after this start."""
        try:
            with self.log_file.open("rb") as fh:
                fh.seek(self._log_start)
                return _READY.search(fh.read()) is not None
        except OSError:
            return False

    def version(self) -> str:
        try:
            return f"Celery {package_version('celery')}"
        except PackageNotFoundError:
            return "not installed"


def celery_services(settings: Settings) -> tuple[list[Service], list[Service]]:
    """What Celery adds before Airflow's processes (Redis) and after them (the workers)."""
    if not settings.airflow_workers:
        return [], []
    if settings.airflow_db != "postgres":
        raise StackError(
            "airflow",
            "the CeleryExecutor needs PostgreSQL (workers cannot share SQLite)",
            "start with `assay stack up --cluster` or add `--db postgres`",
        )
    workers: list[Service] = [
        CeleryWorker(settings, n) for n in range(1, settings.airflow_workers + 1)
    ]
    return [Redis(settings)], workers
