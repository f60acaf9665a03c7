"""Outage, kill -9 and a full spool against real brokers: nothing spooled is ever lost.

A private broker (its own state folder and ports) is stopped and started by these tests; the
shared stack's broker is never touched except by the kill -9 test, which only produces to it.
The outage and the kill -9 run with both Kafka clients (``kafka.client``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.config import Settings
from assay.devstack.stack.kafka import Kafka
from assay.devstack.stack.kafka_auth import client_settings
from assay.govern.access import apply_kafka_grants, stack_kafka_grants
from producers import SpoolError, ensure_topics, read_stats
from schemas import load_contract

from .conftest import (
    assert_gap_free,
    consume,
    edge_security_yaml,
    free_port,
    secure,
    topic_of,
    wait_for,
)

pytestmark = pytest.mark.integration

HEADER = "ts,meter,active_power,voltage_l1,power_factor,frequency,current_l1,active_energy\n"


def rows(start: int, n: int) -> str:
    return "".join(
        f"2025-03-01T08:00:{i % 60:02d}Z,m-{i % 4},{i},230,0.9,50,10,{i}\n"
        for i in range(start, start + n)
    )


def csv_source(folder: Path, payload: str = "json") -> str:
    return (
        f"  - {{name: mes, kind: csv, contract: energy_meter, folder: {folder},\n"
        "     device_column: meter,\n"
        f"     time_column: ts, poll_interval_s: 0.05, payload: {payload}}}\n"
    )


@pytest.fixture(scope="module")
def private_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kafka]:
    """A broker of our own, to stop and start at will; secured as the stack's is, so the edge
    logs in again (SCRAM over TLS) after each outage."""
    state = tmp_path_factory.mktemp("kafka")
    settings = Settings(
        state_dir=state,
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        **client_settings(state, insecure=False),
    )
    kafka = Kafka(settings)
    try:
        kafka.up(print)
    except Exception as exc:  # a missing Java or Maven must fail the test, not skip it
        pytest.fail(f"private broker did not start: {exc}", pytrace=False)
    apply_kafka_grants(settings, stack_kafka_grants())
    ensure_topics(
        secure(settings), [load_contract("energy_meter")], security=settings.kafka_security()
    )
    yield kafka
    kafka.down()


CLIENTS = pytest.mark.parametrize("client", ["kafka-python", "librdkafka"])


@CLIENTS
def test_a_30_second_outage_loses_nothing(
    tmp_path: Path, private_kafka: Kafka, edge_for, producer_id: str, client: str
) -> None:
    bootstrap = private_kafka.settings.bootstrap
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "a.csv"
    path.write_text(HEADER)
    stop, written = threading.Event(), [0]

    def produce() -> None:  # 200 readings/s into the tailed file, all through the outage
        while not stop.is_set():
            with path.open("a") as fh:
                fh.write(rows(written[0], 20))
            written[0] += 20
            time.sleep(0.1)

    edge = edge_for(csv_source(folder), bootstrap, kafka=f", client: {client}")
    edge.start()
    writer = threading.Thread(target=produce)
    writer.start()
    assert wait_for(lambda: edge.stats.acked_readings > 200)
    private_kafka.down()
    time.sleep(30)
    depth_during_outage = edge.spool.readings if edge.spool else 0
    private_kafka.up(print)
    stop.set()
    writer.join()
    assert wait_for(lambda: edge.stats.read["mes"] == written[0], 30)
    assert wait_for(lambda: edge.stats.acked_readings >= written[0], 120), edge.stats
    edge.stop()
    assert depth_during_outage > 1000  # the edge kept collecting while Kafka was away
    got = consume(bootstrap, topic_of("energy_meter"), producer_id, written[0], timeout=120)
    assert_gap_free(got, written[0])


@CLIENTS
def test_kill_9_then_restart_continues_the_sequence(
    tmp_path: Path, bootstrap: str, producer_id: str, client: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    total = 30_000
    (folder / "a.csv").write_text(HEADER + rows(0, total))
    config = tmp_path / "edge.yaml"
    config.write_text(
        f"producer_id: {producer_id}\nsite: plant-a\nmetrics: {{port: null}}\n"
        f"spool: {{path: spool.db, commit_readings: 500, commit_interval_ms: 20}}\n"
        f"kafka: {{bootstrap: '{bootstrap}', client: {client}, {edge_security_yaml(bootstrap)}}}\n"
        f"sources:\n{csv_source(folder)}"
    )
    command = [str(Path(sys.executable).parent / "assay-edge"), "run", "--no-progress", str(config)]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    spool = tmp_path / "spool.db"
    assert wait_for(lambda: next_seq(spool) > 5_000, 60)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = read_stats(spool)
    assert killed_at.next_seq < total, "killed too late to prove anything"
    second = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        got = consume(bootstrap, topic_of("energy_meter"), producer_id, total, timeout=180)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0
    assert_gap_free(got, total)
    by_seq = {g.seq: g.doc["active_power"] for g in got}
    assert sorted(by_seq.values()) == list(range(total))  # every CSV row once, none repeated
    assert read_stats(spool).next_seq == total


def next_seq(spool: Path) -> int:
    """The spool's next seq, or -1 while the process is still creating it."""
    try:
        return read_stats(spool).next_seq
    except SpoolError:
        return -1


@pytest.mark.parametrize("policy", ["block", "drop_oldest"])
def test_a_full_spool_behaves_as_configured(
    tmp_path: Path, private_kafka: Kafka, edge_for, producer_id: str, policy: str
) -> None:
    bootstrap = private_kafka.settings.bootstrap
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text(HEADER + rows(0, 3_000))
    private_kafka.down()
    try:
        limits = f", max_readings: 500, when_full: {policy}, commit_readings: 100"
        edge = edge_for(csv_source(folder), bootstrap, spool=limits)
        edge.start()
        if policy == "block":
            assert wait_for(lambda: edge.spool is not None and edge.spool.readings >= 400, 30)
            time.sleep(2)
            assert edge.spool is not None and edge.spool.readings <= 500
            assert edge.spool.dropped == 0
            # the source is held back: the spool, the writer's queue and one batch at most
            assert edge.stats.read["mes"] <= 500 + 2 * 100 + 100 + 1
        else:
            assert wait_for(lambda: edge.stats.spooled_readings == 3_000, 30)
            assert edge.spool is not None and edge.spool.readings <= 500
            assert edge.spool.dropped == 3_000 - edge.spool.readings
            assert read_stats(edge.spool.path).dropped == edge.spool.dropped
    finally:
        private_kafka.up(print)
    assert wait_for(
        lambda: (
            edge.spool is not None and edge.spool.readings == 0 and edge.stats.read["mes"] == 3_000
        ),
        120,
    )
    edge.stop()
    dropped = read_stats(edge.config.spool.path).dropped
    got = consume(bootstrap, topic_of("energy_meter"), producer_id, 3_000 - dropped, timeout=60)
    seqs = sorted({g.seq for g in got})
    assert seqs == list(range(dropped, 3_000))  # drop_oldest lost exactly the oldest, counted
