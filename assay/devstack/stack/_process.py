"""Plain-process plumbing: pid files that survive pid reuse, ports, waiting, stopping."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PidRecord:
    """A started process: its pid and its kernel start time, so a reused pid is not ours."""

    pid: int
    started: int

    def dumps(self) -> str:
        """The pid file's text."""
        return f"{self.pid} {self.started}\n"

    @classmethod
    def loads(cls, text: str) -> PidRecord | None:
        """Parse a pid file's text; ``None`` if it is not one."""
        parts = text.split()
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            return None
        return cls(int(parts[0]), int(parts[1]))


def start_time(pid: int) -> int | None:
    """The start time (clock ticks since boot, ``/proc/<pid>/stat`` field 22) of a live process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; fields after it follow the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):  # exited, only its entry is left
        return None
    return int(fields[19])


def is_alive(record: PidRecord) -> bool:
    """True while the recorded process runs and is the one we started."""
    return start_time(record.pid) == record.started


def read_pid(pid_file: Path) -> PidRecord | None:
    """The record in a pid file, if the file exists and parses."""
    try:
        return PidRecord.loads(pid_file.read_text())
    except OSError:
        return None


def spawn(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, log_file: Path, pid_file: Path
) -> PidRecord:
    """Start a detached process in its own session, output appended to a log file."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    record = PidRecord(proc.pid, start_time(proc.pid) or 0)
    pid_file.write_text(record.dumps())
    return record


def terminate(record: PidRecord, *, grace: float = 20.0) -> None:
    """SIGTERM the process group, SIGKILL it after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if _reaped(record):
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(record.pid, sig)
        wait_for(lambda: _reaped(record), timeout=wait, interval=0.2)


def _reaped(record: PidRecord) -> bool:
    """True once the process is gone; collects it first if it is a child of ours."""
    # A child of this very process (tests start and stop in one run) stays a zombie
    # until waited for; waiting is harmless for processes that are not our children.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(record.pid, os.WNOHANG)
    return not is_alive(record)


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def answers_ok(url: str, timeout: float = 2.0) -> bool:
    """True when ``url`` answers HTTP 200 within ``timeout`` (a service's health probe)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def free_port() -> int:
    """A TCP port the kernel says is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.5) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; return the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, or a note that there is none."""
    if not path.is_file():
        return f"(no log at {path})"
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        fh.seek(max(0, fh.tell() - 64 * 1024))
        text = fh.read().decode("utf-8", "replace")
    return "\n".join(text.splitlines()[-lines:])
