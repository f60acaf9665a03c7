"""The pre-flight: a service nothing answers for is named, with how to start it, before any
client library retries; librdkafka's own lines never reach the terminal."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assay.cli import _common
from assay.cli._preflight import addresses_of, preflight
from assay.cli.app import app
from assay.config import STACK_FILE, Settings
from assay.errors import ServiceUnreachable


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_listening_service_passes(listening: int, tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, s3_port=listening, kafka_port=listening)
    preflight(settings, "s3", "kafka")


def test_a_silent_service_is_named_with_the_setting_to_fix(
    closed_port: int, tmp_path: Path
) -> None:
    settings = Settings(state_dir=tmp_path, s3_endpoint=f"http://127.0.0.1:{closed_port}")
    with pytest.raises(ServiceUnreachable) as err:
        preflight(settings, "s3")
    assert err.value.service == "the S3 server"
    assert err.value.address == f"127.0.0.1:{closed_port}"
    assert "ASSAY_S3_ENDPOINT" in err.value.fix


def test_with_a_local_stack_the_fix_is_to_start_it(closed_port: int, tmp_path: Path) -> None:
    (tmp_path / STACK_FILE).write_text("")
    settings = Settings(state_dir=tmp_path, kafka_bootstrap=f"127.0.0.1:{closed_port}")
    with pytest.raises(ServiceUnreachable) as err:
        preflight(settings, "kafka")
    assert err.value.service == "Kafka" and "assay stack up" in err.value.fix


def test_one_answering_bootstrap_server_is_enough(
    closed_port: int, listening: int, tmp_path: Path
) -> None:
    bootstrap = f"127.0.0.1:{closed_port},localhost:{listening}"
    settings = Settings(state_dir=tmp_path, kafka_bootstrap=bootstrap)
    assert addresses_of(settings, "kafka") == [
        ("127.0.0.1", closed_port),
        ("localhost", listening),
    ]
    preflight(settings, "kafka")


def test_a_command_says_which_service_is_down(
    closed_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSAY_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("ASSAY_S3_ENDPOINT", f"http://127.0.0.1:{closed_port}")
    done = CliRunner().invoke(app, ["datasets", "ls"])
    assert done.exit_code == 1
    assert isinstance(done.exception, SystemExit)
    assert "S3 server" in done.output and "ASSAY_S3_ENDPOINT" in done.output


def test_librdkafka_lines_stay_off_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    from assay.pipeline.ingest.consumer import LIBRDKAFKA_LOG, _config, _Refusals

    assert _config(Settings(), _Refusals())["logger"] is LIBRDKAFKA_LOG
    _common.quiet_third_party_logs()
    LIBRDKAFKA_LOG.error("FAIL|rdkafka#consumer-1| Connect to ipv4#127.0.0.1:1 failed")
    logging.getLogger("urllib3.connectionpool").warning("Retrying (Retry(total=2))")
    assert capfd.readouterr().err == ""
