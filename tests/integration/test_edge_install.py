"""The systemd unit's install instructions work as written: rendered, its commands run from a
fresh venv, and the edge speaks systemd's notify protocol (READY, WATCHDOG, STOPPING)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "infra" / "edge" / "assay-edge.service"


def directives(text: str) -> dict[str, str]:
    """``Key=value`` lines of the unit (the last one wins, as in systemd)."""
    found = re.findall(r"^([A-Za-z]+)=(.*)$", text, re.MULTILINE)
    return dict(found)


def test_the_header_and_the_directives_agree() -> None:
    text = UNIT.read_text()
    unit = directives(text)
    venv = re.search(r"-m venv (\S+)", text)[1]  # type: ignore[index]
    config = re.search(r"install -m 640 -g assay-edge edge.yaml (\S+)", text)[1]  # type: ignore[index]
    assert re.search(rf"{re.escape(venv)}/bin/pip install 'assay\[edge\]'", text)
    assert unit["ExecStart"] == f"{venv}/bin/assay-edge run --no-progress {config}"
    assert unit["ExecStartPre"] == f"{venv}/bin/assay-edge check-config {config}"
    state = f"/var/lib/{unit['StateDirectory']}"
    assert unit["WorkingDirectory"] == state and state in unit["ReadWritePaths"]
    assert not venv.startswith(("/root", "/home")), "ProtectHome=true would hide it"
    assert unit["Type"] == "notify" and int(unit["WatchdogSec"]) > 2


@pytest.fixture
def notify_socket() -> socket.socket:
    folder = tempfile.mkdtemp(prefix="sd-", dir="/tmp")  # AF_UNIX paths are short
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(f"{folder}/notify")
    sock.settimeout(30)
    yield sock
    sock.close()
    shutil.rmtree(folder)


def messages(sock: socket.socket, until: str) -> list[str]:
    got: list[str] = []
    while until not in got:
        got.append(sock.recv(4096).decode())
    return got


def render(tmp_path: Path, venv: Path) -> dict[str, str]:
    """The unit with this test's venv, config and state folder in place of the gateway's."""
    state = tmp_path / "state"
    state.mkdir()
    (tmp_path / "mes").mkdir()
    config = tmp_path / "edge.yaml"
    config.write_text(
        f"producer_id: gw-install\nsite: plant-a\nspool: {{path: {state}/spool.db}}\n"
        "metrics: {port: null}\nkafka: {bootstrap: '127.0.0.1:1'}\n"
        f"sources:\n  - {{name: mes, kind: csv, contract: energy_meter, folder: {tmp_path}/mes}}\n"
    )
    text = UNIT.read_text().replace("/opt/assay-edge", str(venv))
    text = text.replace("/etc/assay-edge/edge.yaml", str(config))
    return directives(text.replace("/var/lib/assay-edge", str(state)))


def test_execstart_runs_from_a_fresh_venv_and_notifies_systemd(
    tmp_path: Path, notify_socket: socket.socket
) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is installed by `make install`"
    venv = tmp_path / "opt" / "assay-edge"
    subprocess.run([uv, "venv", "-q", str(venv), "-p", sys.executable], check=True)
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), f"{ROOT}[edge]"],
        check=True,
    )
    unit = render(tmp_path, venv)
    version = subprocess.run(
        [str(venv / "bin" / "assay-edge"), "--version"], capture_output=True, text=True
    )
    assert version.stdout.startswith("assay-edge "), version.stderr
    pre = subprocess.run(shlex.split(unit["ExecStartPre"]), capture_output=True, text=True)
    assert pre.returncode == 0, pre.stdout + pre.stderr
    env = {
        "PATH": os.environ["PATH"],
        "NOTIFY_SOCKET": notify_socket.getsockname(),
        "WATCHDOG_USEC": "2000000",
    }
    edge = subprocess.Popen(shlex.split(unit["ExecStart"]), env=env, cwd=unit["WorkingDirectory"])
    try:
        assert messages(notify_socket, "WATCHDOG=1")[0] == "READY=1"
        edge.send_signal(signal.SIGTERM)
        assert "STOPPING=1" in messages(notify_socket, "STOPPING=1")
        assert edge.wait(60) == 0
    finally:
        edge.kill()
