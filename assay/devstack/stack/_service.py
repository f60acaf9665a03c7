"""A managed local service: provisioned once, started as a plain process, stopped by pid.

A subclass says what the service is (``name``, ``ports``, ``argv``, ``probe``, ``version``)
and, where needed, how to provision it once (download, build) and prepare its state
(format storage, write config). This class does the rest the same way for every service:
idempotent start, port checks, readiness with a timeout, logs, stop by recorded pid.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assay.config import Settings
from assay.devstack.stack import _process
from assay.errors import StackError, StackTimeout

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Prerequisite:
    """A command a service needs on the PATH, and how to get it."""

    command: str
    install: str


@dataclass(frozen=True)
class Status:
    """What ``assay stack status`` shows for one service."""

    name: str
    running: bool
    healthy: bool
    pid: int | None
    ports: tuple[int, ...]
    version: str
    log: Path


class Service(ABC):
    """One process of the local stack. Subclasses fill in the abstract parts."""

    name: str = ""
    prerequisites: tuple[Prerequisite, ...] = ()
    ready_timeout: float = 120.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # What a subclass says -------------------------------------------------------
    @property
    @abstractmethod
    def ports(self) -> tuple[int, ...]:
        """Ports the service listens on; the first is the one users talk to."""

    @abstractmethod
    def argv(self) -> list[str]:
        """The command line that runs the service in the foreground."""

    @abstractmethod
    def probe(self) -> bool:
        """True when the service answers its own protocol (not merely a port)."""

    @abstractmethod
    def version(self) -> str:
        """The running or provisioned version, for ``status``."""

    def provision(self, progress: Progress) -> None:
        """Download or build what the service runs; cached across runs."""

    def prepare(self, progress: Progress) -> None:
        """Create the service's state on first start (format storage, config files)."""

    def env(self) -> dict[str, str]:
        """The caller's environment, pointing at this state folder by absolute path."""
        # Processes run in their own folder, so a relative state folder would not resolve.
        return {**os.environ, "ASSAY_STATE_DIR": str(self.settings.state_dir.resolve())}

    def exports(self) -> dict[str, str]:
        """``ASSAY_*`` variables that point clients at this service."""
        return {}

    # What every service shares --------------------------------------------------
    def run_step(
        self,
        argv: list[str],
        *,
        what: str,
        fix: str,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        stdin: str | None = None,
    ) -> str:
        """Run a set-up command to its end; a failure is a `StackError` with its output."""
        done = subprocess.run(
            argv, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr)[-2000:]
            raise StackError(self.name, f"{what} failed:\n{output}", fix)
        return done.stdout

    @property
    def home(self) -> Path:
        """The service's folder in the state folder."""
        return (self.settings.state_dir / self.name).resolve()

    @property
    def log_file(self) -> Path:
        return self.settings.state_dir.resolve() / "logs" / f"{self.name}.log"

    @property
    def pid_file(self) -> Path:
        return self.home / f"{self.name}.pid"

    def record(self) -> _process.PidRecord | None:
        """The pid record of the process we started, if it still runs."""
        rec = _process.read_pid(self.pid_file)
        return rec if rec and _process.is_alive(rec) else None

    def check_prerequisites(self) -> None:
        """Raise a `StackError` naming the service and the fix for a missing command."""
        for need in self.prerequisites:
            if shutil.which(need.command) is None:
                raise StackError(self.name, f"`{need.command}` is not on the PATH", need.install)

    def up(self, progress: Progress) -> bool:
        """Start the service unless a healthy one of ours runs; True if it was started."""
        rec = self.start(progress)
        if rec is None:
            return False
        self.await_ready(rec, progress)
        return True

    def start(self, progress: Progress) -> _process.PidRecord | None:
        """Spawn the service without waiting for it; ``None`` when a healthy one runs.

        Apart from `up` for peers that are ready only together (a KRaft quorum)."""
        if self.record() and self.probe():
            progress(f"{self.name}: already running, reused")
            return None
        self.check_prerequisites()
        self.home.mkdir(parents=True, exist_ok=True)
        self.provision(progress)
        self._stop_stale()
        self._check_ports_free()
        self.prepare(progress)
        where = f" on port {self.ports[0]}" if self.ports else ""
        progress(f"{self.name}: starting{where}")
        rec = _process.spawn(
            self.argv(),
            env=self.env(),
            cwd=self.home,
            log_file=self.log_file,
            pid_file=self.pid_file,
        )
        return rec

    def await_ready(self, rec: _process.PidRecord, progress: Progress) -> None:
        """Wait until the started process answers its probe."""
        self._wait_ready(rec)
        progress(f"{self.name}: ready ({self.version()})")

    def down(self) -> bool:
        """Stop the process we started (by recorded pid); True if one was running."""
        rec = self.record()
        if rec:
            _process.terminate(rec)
        self.pid_file.unlink(missing_ok=True)
        return rec is not None

    def status(self) -> Status:
        """Running, healthy, pid, ports and version."""
        rec = self.record()
        healthy = bool(rec) and self.probe()
        return Status(
            name=self.name,
            running=rec is not None,
            healthy=healthy,
            pid=rec.pid if rec else None,
            ports=self.ports,
            version=self.version() if healthy else "-",
            log=self.log_file,
        )

    def _stop_stale(self) -> None:
        # Ours but unhealthy (hung, half started): stop it before starting afresh.
        rec = self.record()
        if rec:
            _process.terminate(rec)

    def _check_ports_free(self) -> None:
        for port in self.ports:
            if _process.port_in_use(port):
                raise StackError(
                    self.name,
                    f"port {port} is already taken by another process",
                    f"stop it (`ss -ltnp 'sport = :{port}'` shows who) or choose another "
                    f"port with ASSAY_{self.name.upper()}_PORT",
                )

    def _wait_ready(self, rec: _process.PidRecord) -> None:
        def ready() -> bool:
            if not _process.is_alive(rec):
                raise StackError(
                    self.name,
                    f"exited during start-up; last lines of {self.log_file}:\n"
                    + _process.tail(self.log_file),
                    f"read {self.log_file}",
                )
            return self.probe()

        if not _process.wait_for(ready, timeout=self.ready_timeout, interval=1.0):
            raise StackTimeout(
                self.name,
                f"not ready after {self.ready_timeout:.0f}s; last lines of its log:\n"
                + _process.tail(self.log_file),
                f"read {self.log_file}; `assay stack down` then `assay stack up` to retry",
            )
