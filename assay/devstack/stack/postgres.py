"""PostgreSQL for Airflow's metadata database (``--db postgres``): the distribution's server.

Debian keeps the server binaries in ``/usr/lib/postgresql/<major>/bin``, off the PATH.
The cluster lives in the state folder, listens on loopback only and trusts local
connections, like every other service of the local stack. PostgreSQL refuses to run as
root, so under root the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from assay.devstack.stack._service import Progress, Service
from assay.errors import StackError

PG_ROOT = Path("/usr/lib/postgresql")
DATABASE = "airflow"
USER = "airflow"
SYSTEM_USER = "postgres"
INSTALL = "install the PostgreSQL server (Debian: apt-get install postgresql)"


def find_bindir(root: Path = PG_ROOT) -> Path | None:
    """The folder holding ``postgres`` and ``initdb``: the PATH first, else the newest major."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    majors = [p for p in root.glob("*/bin") if (p / "postgres").is_file()]
    majors.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return majors[-1] if majors else None


def as_server_user(argv: list[str], euid: int) -> list[str]:
    """``argv`` run as ``postgres`` when we are root; ``setpriv`` execs, so the pid stays."""
    if euid != 0:
        return argv
    user = f"--reuid={SYSTEM_USER}", f"--regid={SYSTEM_USER}", "--init-groups"
    return ["setpriv", *user, "--", *argv]


def server_argv(bindir: Path, data: Path, port: int, socket_dir: Path) -> list[str]:
    """The postmaster in the foreground, TCP on loopback, its socket in the state folder."""
    return [
        str(bindir / "postgres"),
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(socket_dir),
        "-c",
        "listen_addresses=127.0.0.1",
    ]


class Postgres(Service):
    """A one-database PostgreSQL cluster for Airflow."""

    name = "postgres"
    ready_timeout = 60.0

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.postgres_port,)

    @property
    def bindir(self) -> Path:
        found = find_bindir()
        if found is None:
            raise StackError(
                self.name, f"no PostgreSQL server under {PG_ROOT} or on the PATH", INSTALL
            )
        return found

    @property
    def data(self) -> Path:
        return self.home / "data"

    def provision(self, progress: Progress) -> None:
        _ = self.bindir

    def prepare(self, progress: Progress) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.home, SYSTEM_USER, SYSTEM_USER)
        if (self.data / "PG_VERSION").is_file():
            return
        progress(f"postgres: creating a cluster in {self.data}")
        self._run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        # Single-user mode creates the database before any server listens.
        single = [str(self.bindir / "postgres"), "--single", "-D", str(self.data), "postgres"]
        self._run(single, stdin=f"CREATE DATABASE {DATABASE};\n")

    def _run(self, argv: list[str], stdin: str | None = None) -> None:
        self.run_step(
            as_server_user(argv, os.geteuid()),
            stdin=stdin,
            cwd=self.home,
            what=f"`{Path(argv[0]).name}`",
            fix=f"the {SYSTEM_USER} user must reach {self.home}; or remove "
            f"{self.data} and run `assay stack up` again",
        )

    def argv(self) -> list[str]:
        argv = server_argv(self.bindir, self.data, self.settings.postgres_port, self.home)
        return as_server_user(argv, os.geteuid())

    def probe(self) -> bool:
        """The server accepts connections to Airflow's database."""
        cmd = [
            str(self.bindir / "pg_isready"),
            "-q",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.settings.postgres_port),
            "-U",
            USER,
            "-d",
            DATABASE,
        ]
        return subprocess.run(cmd, check=False, timeout=10).returncode == 0

    def version(self) -> str:
        done = subprocess.run(
            [str(self.bindir / "postgres"), "--version"],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip().replace("postgres (PostgreSQL)", "PostgreSQL") or "unknown"
