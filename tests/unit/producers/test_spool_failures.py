"""A failing spool: retried and shown while it may recover, the process stopped when it cannot."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from producers import (
    Edge,
    EdgeStopped,
    MemoryTransport,
    Spool,
    SpoolError,
    parse_config,
    read_stats,
)
from producers._sqlite import translate


def wait_for(check, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``check()`` holds; fail the test when it does not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


CONFIG = """
producer_id: gw-01
status_interval_s: 0  # these tests count readings; status reports have their own
site: plant-a
spool: {{path: {spool}, commit_interval_ms: 20}}
kafka: {{bootstrap: "127.0.0.1:1"}}
metrics: {{port: null}}
shutdown_timeout_s: 1
sources:
  - {{name: mes, kind: csv, contract: energy_meter, folder: {folder}, device_column: meter,
     time_column: ts, poll_interval_s: 0.02}}
"""
HEADER = "ts,meter,active_power,voltage_l1,power_factor,frequency\n"


def rows(first: int, n: int) -> str:
    start = datetime(2025, 3, 1, tzinfo=UTC)
    times = (start + timedelta(seconds=i) for i in range(first, first + n))
    return "".join(f"{t:%Y-%m-%dT%H:%M:%S}Z,m-1,{t.second},230,0.9,50\n" for t in times)


def edge_at(tmp_path: Path, spool: Path, transport: MemoryTransport) -> Edge:
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    text = CONFIG.format(spool=spool, folder=folder)
    return Edge(parse_config(text, tmp_path / "edge.yaml"), connect=lambda: transport)


class Disk:
    """A small filesystem for the spool that can be filled and freed.

    A tmpfs where mounting is allowed (root); elsewhere SQLite's ``max_page_count`` on the
    spool's connection, which fails appends with the same ``SQLITE_FULL``. The tmpfs has room
    for the write-ahead log, which grows to 1000 pages (64 MiB at the spool's page size)
    before SQLite checkpoints it.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=128M", "tmpfs", str(folder)], capture_output=True
        )
        self.real = mounted.returncode == 0

    def fill(self, spool: Spool) -> None:
        if not self.real:
            pages = spool._db.execute("PRAGMA page_count").fetchone()[0]
            spool._db.execute(f"PRAGMA max_page_count={pages}")
            return
        fd = os.open(self.folder / "filler", os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
        os.close(fd)

    def free(self, spool: Spool) -> None:
        if not self.real:
            spool._db.execute("PRAGMA max_page_count=1073741823")
            return
        (self.folder / "filler").unlink()

    def remove(self) -> None:
        if self.real:
            subprocess.run(["umount", "-l", str(self.folder)], check=True)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Disk]:
    small = Disk(tmp_path / "disk")
    yield small
    small.remove()


def test_a_full_disk_degrades_health_then_loses_nothing(tmp_path: Path, disk: Disk) -> None:
    transport = MemoryTransport()
    edge = edge_at(tmp_path, disk.folder / "spool.db", transport)
    (tmp_path / "in" / "a.csv").write_text(HEADER + rows(0, 5))
    edge.start()
    try:
        wait_for(lambda: edge.stats.acked_readings == 5)
        assert edge.spool is not None
        disk.fill(edge.spool)
        with (tmp_path / "in" / "a.csv").open("a") as fh:
            fh.write(rows(5, 1000))
        wait_for(lambda: edge.health()[0] == "degraded")
        status, reason = edge.health()
        assert status == "degraded" and "database or disk is full" in reason
        assert edge.stats.spool_errors[("append", "SQLITE_FULL")] >= 1
        disk.free(edge.spool)
        wait_for(lambda: edge.stats.acked_readings == 1005, timeout=30)
        assert edge.health() == ("ok", "ok")
    finally:
        edge.stop()
    seqs = sorted(int(m.headers["seq"]) for m in transport.sent)
    assert seqs == list(range(1005))  # every row once, no seq lost to the failed appends


def test_a_locked_spool_is_retried_by_writer_and_sender(tmp_path: Path) -> None:
    transport = MemoryTransport()
    transport.hold = True  # acks wait until the spool is locked
    edge = edge_at(tmp_path, tmp_path / "spool.db", transport)
    (tmp_path / "in" / "a.csv").write_text(HEADER + rows(0, 3))
    edge.start()
    other = sqlite3.connect(tmp_path / "spool.db", isolation_level=None)
    try:
        wait_for(lambda: len(transport.sent) == 3)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        transport.release()
        with (tmp_path / "in" / "a.csv").open("a") as fh:
            fh.write(rows(3, 2))
        wait_for(lambda: edge.stats.spool_errors[("send", "SQLITE_BUSY")] >= 1, timeout=15)
        assert edge.health()[0] == "degraded"
        other.execute("COMMIT")
        transport.hold = False
        wait_for(lambda: edge.stats.acked_readings == 5, timeout=20)
        wait_for(lambda: edge.health()[0] == "ok")
    finally:
        other.close()
        edge.stop()
    assert edge.spool is not None
    assert read_stats(tmp_path / "spool.db").readings == 0  # the held acks were applied late


def test_sqlite_errors_say_whether_a_retry_may_help() -> None:
    db = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.Error) as missing:
        db.execute("SELECT * FROM nothing")
    terminal = translate("spool.db", "fetch failed", missing.value)
    assert (terminal.code, terminal.transient, terminal.path) == ("SQLITE_ERROR", False, "spool.db")
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
    assert translate("spool.db", "append failed", full).transient


def drop_the_message_table(path: Path) -> None:
    """What a broken or tampered spool looks like to a running edge: a terminal SQLite error."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("DROP TABLE message")


def test_a_thread_that_dies_stops_the_edge(tmp_path: Path) -> None:
    edge = edge_at(tmp_path, tmp_path / "spool.db", MemoryTransport())
    (tmp_path / "in" / "a.csv").write_text(HEADER + rows(0, 3))
    stop = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            edge.run(stop)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    wait_for(lambda: edge.stats.acked_readings == 3)
    drop_the_message_table(tmp_path / "spool.db")
    with (tmp_path / "in" / "a.csv").open("a") as fh:
        fh.write(rows(3, 2))
    thread.join(30)
    stop.set()
    assert not thread.is_alive()
    (error,) = errors
    assert isinstance(error, EdgeStopped)
    assert error.thread in {"writer", "sender"} and "no such table" in error.error
    assert edge.health()[0] == "unhealthy"


def spooled(path: Path) -> int:
    """The spool's next seq, or -1 while the starting edge has not made it yet."""
    try:
        return read_stats(path).next_seq
    except SpoolError:
        return -1


def test_assay_edge_run_exits_non_zero_when_a_thread_dies(tmp_path: Path) -> None:
    spool = tmp_path / "spool.db"
    edge_at(tmp_path, spool, MemoryTransport())  # writes nothing; makes the input folder
    # librdkafka: its producer starts without a broker at once (kafka-python waits for one)
    text = CONFIG.format(spool=spool, folder=tmp_path / "in")
    (tmp_path / "edge.yaml").write_text(
        text.replace('"127.0.0.1:1"', '"127.0.0.1:1", client: librdkafka')
    )
    (tmp_path / "in" / "a.csv").write_text(HEADER + rows(0, 3))
    command = [str(Path(sys.executable).parent / "assay-edge"), "run", str(tmp_path / "edge.yaml")]
    process = subprocess.Popen(
        [*command, "--no-progress", "--log-level", "WARNING"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: spooled(spool) == 3, timeout=30)
        drop_the_message_table(spool)
        with (tmp_path / "in" / "a.csv").open("a") as fh:
            fh.write(rows(3, 2))
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, output
    assert "thread writer stopped: SpoolError" in " ".join(output.split())
    assert not Path(f"{spool}-wal").exists()  # the spool was closed (its log checkpointed)
    again = Spool(spool, "gw-01")  # and opens again, its seqs where they were
    assert again.next_seq == 3
    again.close()
