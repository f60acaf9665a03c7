"""The edge publishes its spool's ledger: periodically, once after a clean stop, signed like
its readings, and never at the cost of a sender round."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from producers import Edge, MemoryTransport, Sender, Spool, parse_config
from producers.signing import SigningTransport
from producers.status import StatusReports
from schemas import edge_status, wire
from schemas.signature import verify

from .conftest import reading
from .test_edge import wait_for

CONFIG = """
producer_id: gw-01
site: plant-a
status_interval_s: {interval}
spool: {{path: spool.db, commit_interval_ms: 20}}
metrics: {{port: null}}
sources:
  - {{name: mes, kind: csv, contract: energy_meter, folder: in, device_column: meter,
     time_column: ts, poll_interval_s: 0.02}}
"""


def edge_with(tmp_path: Path, rows: int, interval: float) -> tuple[Edge, MemoryTransport]:
    (tmp_path / "in").mkdir()
    lines = "".join(
        f"2025-03-01T08:00:{i % 60:02d}Z,m-{i % 3},{i},230,0.9,50\n" for i in range(rows)
    )
    header = "ts,meter,active_power,voltage_l1,power_factor,frequency\n"
    (tmp_path / "in" / "a.csv").write_text(header + lines)
    transport = MemoryTransport()
    config = parse_config(CONFIG.format(interval=interval), tmp_path / "edge.yaml")
    return Edge(config, connect=lambda: transport), transport


def reports(transport: MemoryTransport) -> list[dict[str, object]]:
    return [json.loads(m.value) for m in transport.sent if m.topic == edge_status.TOPIC]


def test_a_run_reports_at_once_and_its_stop_reports_the_final_counts(tmp_path: Path) -> None:
    edge, transport = edge_with(tmp_path, 40, interval=3600)
    edge.start()
    wait_for(lambda: edge.stats.acked_readings == 40)
    edge.stop()
    first, *_, last = reports(transport)
    assert first["final"] is False and last["final"] is True
    topic = "assay.energy_meter.v1"
    assert last["ledger"]["topics"][topic]["sent"] == 40  # type: ignore[index]
    assert (last["producer_id"], last["site"], last["format"]) == (
        "gw-01",
        "plant-a",
        edge_status.FORMAT,
    )
    sent = [m for m in transport.sent if m.topic == edge_status.TOPIC]
    assert {(m.key, m.headers[wire.HEADER_PRODUCER]) for m in sent} == {(b"gw-01", "gw-01")}
    assert edge.stats.status_reports == len(sent)


def test_an_interval_of_zero_sends_no_report(tmp_path: Path) -> None:
    edge, transport = edge_with(tmp_path, 5, interval=0)
    edge.start()
    wait_for(lambda: edge.stats.acked_readings == 5)
    edge.stop()
    assert reports(transport) == []


def test_reports_are_due_every_interval(spool_at) -> None:  # type: ignore[no-untyped-def]
    now = [100.0]
    status = StatusReports(spool_at(), "gw-01", "plant-a", 60.0, clock=lambda: now[0])
    assert status.due()
    status.record()
    now[0] += 59.9
    assert not status.due()
    now[0] += 0.1
    assert status.due()


def test_a_signing_gateway_signs_its_reports_as_its_readings(spool_at, encoder) -> None:  # type: ignore[no-untyped-def]
    spool: Spool = spool_at()
    spool.append([encoder.json(reading(0), 0, 0)])
    inner, key = MemoryTransport(), b"k" * 32
    status = StatusReports(spool, "gw-01", "plant-a", 60.0)
    sender = Sender(spool, lambda: SigningTransport(inner, "gw-a", key), "gw-01", status=status)
    sender.step()
    assert sender.publish_status()
    (sent,) = [m for m in inner.sent if m.topic == edge_status.TOPIC]
    pairs = [(k, v.encode()) for k, v in sent.headers.items()]
    verdict = verify(
        lambda who: key if who == "gw-a" else None, sent.topic, sent.key, pairs, sent.value
    )
    assert tuple(verdict) == ("gw-a", True)


def test_a_failing_report_is_counted_and_the_sender_goes_on(spool_at) -> None:  # type: ignore[no-untyped-def]
    spool: Spool = spool_at()
    transport = MemoryTransport()
    status = StatusReports(spool, "gw-01", "plant-a", 60.0)
    status.record = lambda final=False: None  # type: ignore[method-assign]  # too large
    sender = Sender(spool, lambda: transport, "gw-01", status=status)
    sender.step()
    assert not sender.publish_status()
    assert sender.stats.status_errors == 1 and sender.stats.last_error is not None
    finish = threading.Event()
    finish.set()
    sender.run(finish, drain_timeout=0.1)  # the final report fails the same way, quietly
    assert sender.stats.status_errors == 2
