import sys
from pathlib import Path

from assay.devstack.stack import _process


def test_pid_record_round_trip_and_garbage() -> None:
    rec = _process.PidRecord(123, 456)
    assert _process.PidRecord.loads(rec.dumps()) == rec
    assert _process.PidRecord.loads("not a pid") is None
    assert _process.PidRecord.loads("") is None


def test_spawn_then_terminate(tmp_path: Path) -> None:
    log, pid_file = tmp_path / "x.log", tmp_path / "x.pid"
    rec = _process.spawn(
        [sys.executable, "-c", "import time; print('hi', flush=True); time.sleep(60)"],
        env={},
        cwd=tmp_path,
        log_file=log,
        pid_file=pid_file,
    )
    assert _process.read_pid(pid_file) == rec
    assert _process.is_alive(rec)
    assert _process.wait_for(lambda: "hi" in log.read_text(), timeout=10)
    _process.terminate(rec, grace=5)
    assert not _process.is_alive(rec)


def test_reused_pid_is_not_ours() -> None:
    import os

    me = _process.PidRecord(os.getpid(), (_process.start_time(os.getpid()) or 0) + 1)
    assert not _process.is_alive(me)


def test_port_probe_and_free_port() -> None:
    port = _process.free_port()
    assert not _process.port_in_use(port)


def test_tail_of_missing_log_says_so(tmp_path: Path) -> None:
    assert "no log" in _process.tail(tmp_path / "missing.log")


def test_tail_returns_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("\n".join(str(i) for i in range(100)))
    assert _process.tail(log, 3).splitlines() == ["97", "98", "99"]
