"""A whole edge run with an in-memory transport: CSV rows in, gap-free messages out, flushed."""

from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path

from producers import Edge, MemoryTransport, parse_config
from producers.metrics import MetricsServer

CONFIG = """
producer_id: gw-01
status_interval_s: 0  # these tests count readings; status reports have their own
site: plant-a
spool: {{path: spool.db, commit_interval_ms: 20}}
metrics: {{port: null}}
sources:
  - {{name: mes, kind: csv, contract: energy_meter, folder: in, device_column: meter,
     time_column: ts, poll_interval_s: 0.02, payload: {payload}}}
"""


def setup(tmp_path: Path, rows: int, payload: str = "json") -> Edge:
    (tmp_path / "in").mkdir()
    lines = "".join(
        f"2025-03-01T08:00:{i % 60:02d}Z,m-{i % 3},{i},230,0.9,50\n" for i in range(rows)
    )
    (tmp_path / "in" / "a.csv").write_text(
        "ts,meter,active_power,voltage_l1,power_factor,frequency\n" + lines
    )
    config = parse_config(CONFIG.format(payload=payload), tmp_path / "edge.yaml")
    transport = MemoryTransport()
    edge = Edge(config, connect=lambda: transport)
    edge.transport = transport  # type: ignore[attr-defined]
    return edge


def wait_for(check, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_rows_arrive_once_each_with_gap_free_seqs(tmp_path: Path) -> None:
    edge = setup(tmp_path, 50)
    edge.start()
    wait_for(lambda: edge.stats.acked_readings == 50)
    edge.stop()
    seqs = sorted(int(m.headers["seq"]) for m in edge.transport.sent)  # type: ignore[attr-defined]
    assert seqs == list(range(50))


def test_frames_carry_all_rows(tmp_path: Path) -> None:
    edge = setup(tmp_path, 30, payload="frame")
    edge.start()
    wait_for(lambda: edge.stats.acked_readings == 30)
    edge.stop()
    sent = edge.transport.sent  # type: ignore[attr-defined]
    assert sum(int(m.headers["count"]) for m in sent) == 30
    assert {m.headers["content_type"] for m in sent} == {"application/vnd.apache.arrow.stream"}


def test_a_restart_resumes_after_the_last_spooled_row(tmp_path: Path) -> None:
    edge = setup(tmp_path, 20)
    edge.start()
    wait_for(lambda: edge.stats.acked_readings == 20)
    edge.stop()
    with (tmp_path / "in" / "a.csv").open("a") as fh:
        fh.write("2025-03-01T09:00:00Z,m-9,99,230,0.9,50\n")
    again = Edge(edge.config, connect=lambda: edge.transport)  # type: ignore[attr-defined]
    again.start()
    wait_for(lambda: again.stats.acked_readings == 1)
    time.sleep(0.2)
    again.stop()
    assert again.stats.acked_readings == 1
    assert edge.transport.sent[-1].headers["seq"] == "20"  # type: ignore[attr-defined]


def test_metrics_and_health_endpoints(tmp_path: Path) -> None:
    edge = setup(tmp_path, 5)
    edge.start()
    server = MetricsServer(edge, port=0)
    server.start()
    try:
        wait_for(lambda: edge.stats.acked_readings == 5)
        base = f"http://127.0.0.1:{server.port}"
        metrics = urllib.request.urlopen(f"{base}/metrics").read().decode()
        health = urllib.request.urlopen(f"{base}/health").read().decode()
    finally:
        server.stop()
        edge.stop()
    assert 'assay_edge_readings_read_total{source="mes"} 5.0' in metrics
    assert "assay_edge_readings_acked_total 5.0" in metrics
    assert '"status": "ok"' in health


def test_a_failing_source_is_reported_and_restarted(tmp_path: Path) -> None:
    edge = setup(tmp_path, 0)
    calls: list[int] = []

    class Broken:
        name = "mes"

        def readings(self, stop: threading.Event):  # type: ignore[no-untyped-def]
            calls.append(1)
            raise RuntimeError("device driver fell over")
            yield

    edge = Edge(edge.config, connect=MemoryTransport, build=lambda options, context: Broken())
    edge.start()
    wait_for(lambda: len(calls) >= 2, timeout=5)
    edge.stop()
    assert len(calls) >= 2
    assert edge.stats.source_errors[("mes", "SourceError")] >= 2
