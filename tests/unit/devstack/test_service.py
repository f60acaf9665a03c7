"""The shared service life cycle, on a small HTTP server standing in for a real service."""

import socket
import sys
from pathlib import Path

import pytest

from assay.config import Settings
from assay.devstack.stack import _process
from assay.devstack.stack._service import Prerequisite, Service
from assay.errors import StackError, StackTimeout


class HttpService(Service):
    name = "web"
    ready_timeout = 15.0

    def __init__(self, settings: Settings, port: int, argv: list[str] | None = None) -> None:
        super().__init__(settings)
        self.port = port
        self._argv = argv

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.port,)

    def argv(self) -> list[str]:
        return self._argv or [
            sys.executable,
            "-m",
            "http.server",
            str(self.port),
            "--bind",
            "127.0.0.1",
        ]

    def probe(self) -> bool:
        return _process.port_in_use(self.port)

    def version(self) -> str:
        return "1.0"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path / "state", cache_dir=tmp_path / "cache")


def test_up_is_idempotent_and_down_stops(settings: Settings) -> None:
    svc = HttpService(settings, _process.free_port())
    messages: list[str] = []
    try:
        assert svc.up(messages.append) is True
        assert svc.up(messages.append) is False
        assert any("reused" in m for m in messages)
        status = svc.status()
        assert status.healthy and status.running and status.version == "1.0"
        pid = status.pid
    finally:
        assert svc.down() is True
    assert svc.status().running is False
    assert pid is not None
    assert _process.start_time(pid) is None


def test_port_taken_names_service_and_fix(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(StackError) as err:
            HttpService(settings, port).up(lambda _: None)
    assert err.value.service == "web"
    assert str(port) in err.value.problem
    assert "ASSAY_WEB_PORT" in err.value.fix


def test_missing_prerequisite_names_the_install(settings: Settings) -> None:
    svc = HttpService(settings, _process.free_port())
    svc.prerequisites = (Prerequisite("no-such-command-xyz", "install xyz"),)
    with pytest.raises(StackError) as err:
        svc.up(lambda _: None)
    assert err.value.fix == "install xyz"


def test_crash_during_start_shows_the_log(settings: Settings) -> None:
    crash = [sys.executable, "-c", "import sys; print('boom: bad config'); sys.exit(3)"]
    svc = HttpService(settings, _process.free_port(), crash)
    with pytest.raises(StackError) as err:
        svc.up(lambda _: None)
    assert "boom: bad config" in err.value.problem


def test_never_ready_times_out_and_is_transient(settings: Settings) -> None:
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    svc = HttpService(settings, _process.free_port(), hang)
    svc.ready_timeout = 2
    try:
        with pytest.raises(StackTimeout) as err:
            svc.up(lambda _: None)
        assert err.value.transient
    finally:
        svc.down()


def test_down_when_nothing_runs(settings: Settings) -> None:
    assert HttpService(settings, _process.free_port()).down() is False
