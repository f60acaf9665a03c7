"""systemd's notify protocol: datagrams to $NOTIFY_SOCKET, watchdog pings only while alive."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest

from producers._systemd import Watchdog, notify, watchdog_interval


@pytest.fixture
def listener(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"assay-edge-test-{os.getpid()}"
    sock.bind("\0" + name)  # the abstract namespace, as systemd's @ sockets
    sock.settimeout(2)
    monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
    yield sock
    sock.close()


def test_notify_sends_one_datagram(listener: socket.socket) -> None:
    assert notify("READY=1")
    assert listener.recv(64) == b"READY=1"


def test_without_systemd_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert notify("READY=1") is False


@pytest.mark.parametrize(
    ("usec", "pid", "interval"),
    [("30000000", None, 15.0), ("0", None, None), ("", None, None), ("2000000", "1", None)],
)
def test_the_watchdog_pings_at_half_its_timeout_for_this_process_only(
    monkeypatch: pytest.MonkeyPatch, usec: str, pid: str | None, interval: float | None
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", usec)
    if pid is None:
        monkeypatch.delenv("WATCHDOG_PID", raising=False)
    else:
        monkeypatch.setenv("WATCHDOG_PID", pid)
    assert watchdog_interval() == interval


def test_no_ping_while_the_edge_is_not_alive(
    listener: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "2")
    alive = [False]
    dog = Watchdog(lambda: alive[0])
    dog.tick()
    alive[0] = True
    dog.tick()
    assert listener.recv(64) == b"WATCHDOG=1"
    listener.settimeout(0.1)
    with pytest.raises(TimeoutError):
        listener.recv(64)  # the dead tick sent nothing
