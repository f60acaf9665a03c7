"""PostgreSQL for Airflow's metadata database (``--db postgres``): the distribution's server.

Debian keeps the server binaries in ``/usr/lib/postgresql/<major>/bin``, off the PATH.
The cluster lives in the state folder and listens on loopback only; every connection,
socket or TCP, authenticates with SCRAM-SHA-256 as ``airflow`` with a password generated
into ``<state>/secrets/postgres-airflow`` (nothing is trusted: another local user cannot
reach Airflow's metadata, connections or variables). The cluster is created with that
password (``initdb --pwfile``), and on every start ``pg_hba.conf`` is written again and
the password set again in single-user mode, so deleting the secret file and restarting
rotates it. PostgreSQL refuses to run as root, so under root the server runs as the
``postgres`` system user.
"""

from __future__ import annotations

import contextlib
import grp
import os
import shutil
import subprocess
from pathlib import Path

from assay.devstack.stack._secrets import POSTGRES, stack_secret
from assay.devstack.stack._service import Progress, Service
from assay.errors import StackError
from assay.private_files import write_private

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


def share_state_dir(state_dir: Path, euid: int) -> None:
    """Under root, let the ``postgres`` user pass through the state folder to its cluster:
    group ``postgres``, mode 0710 (search only; it can list nothing and read nothing else)."""
    if euid != 0:
        return
    with contextlib.suppress(KeyError):  # no such group: the server start names the problem
        os.chown(state_dir, -1, grp.getgrnam(SYSTEM_USER).gr_gid)
        state_dir.chmod(0o710)


def hba_conf() -> str:
    """``pg_hba.conf``: a SCRAM-SHA-256 password for every connection, nothing trusted."""
    return (
        "# written by `assay stack up` on every start\n"
        "local  all  all                 scram-sha-256\n"
        "host   all  all  127.0.0.1/32   scram-sha-256\n"
        "host   all  all  ::1/128        scram-sha-256\n"
    )


def set_password_sql(user: str, password: str) -> str:
    """The statement that sets ``user``'s password (quotes doubled, as SQL escapes them)."""
    return f"ALTER ROLE {user} WITH LOGIN PASSWORD '{password.replace(chr(39), chr(39) * 2)}';\n"


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

    @property
    def password(self) -> str:
        """Airflow's database password (generated once into the state folder)."""
        return stack_secret(self.settings.state_dir, POSTGRES)

    def prepare(self, progress: Progress) -> None:
        self._own(self.home)
        if not (self.data / "PG_VERSION").is_file():
            progress(f"postgres: creating a cluster in {self.data}")
            self._initdb()
            self._single(f"CREATE DATABASE {DATABASE};\n")
        # Before any server listens: SCRAM for every connection, the current password.
        hba = self.data / "pg_hba.conf"
        write_private(hba, hba_conf().encode())
        self._own(hba)
        self._single(set_password_sql(USER, self.password))

    def _initdb(self) -> None:
        pwfile = self.home / "initdb.pw"
        write_private(pwfile, self.password.encode())
        self._own(pwfile)
        try:
            self._run(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    USER,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def _single(self, sql: str) -> None:
        # Single-user mode runs statements with no server listening; stdin keeps them off `ps`.
        single = [str(self.bindir / "postgres"), "--single", "-D", str(self.data), "postgres"]
        self._run(single, stdin=sql)

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, SYSTEM_USER, SYSTEM_USER)

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
