"""Corrupt and duplicate faults, applied by the simulator's transport wrapper, exact in count."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pyarrow as pa
import pytest

from producers import Edge, Encoder, MemoryTransport, Reading, headers, parse_config
from producers.simulator import FaultBook, FaultyTransport, InjectedFault
from producers.simulator._faults import CORRUPT_PREFIX, corrupt
from schemas import load_contract

from ..conftest import T0, meter_values
from ..conftest import reading as meter_reading


def send(transport: FaultyTransport, message, done=lambda e: None) -> None:  # type: ignore[no-untyped-def]
    heads = headers(message, "gw-01", False)
    transport.send(message.topic, message.key, message.value, heads, done)


def test_corrupt_bytes_decode_as_nothing() -> None:
    value = corrupt(b'{"a": 1}')
    assert value.startswith(CORRUPT_PREFIX)
    with pytest.raises(UnicodeDecodeError):
        value.decode()
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(value)


def test_json_messages_of_marked_readings_are_corrupted_or_sent_twice(encoder) -> None:
    book, inner = FaultBook(), MemoryTransport()
    faulty = FaultyTransport(inner, book)
    book.mark("meter-1", 1_740_816_001_125, InjectedFault.DUPLICATE)  # reading(1)
    book.mark("meter-1", 1_740_816_002_125, InjectedFault.CORRUPT)  # reading(2)
    for i in range(4):
        send(faulty, encoder.json(meter_reading(i), i, 0))
    seqs = [(m.headers["seq"], m.headers["replay"]) for m in inner.sent]
    assert seqs == [("0", "0"), ("1", "0"), ("1", "1"), ("2", "0"), ("3", "0")]
    assert inner.sent[3].value.startswith(CORRUPT_PREFIX)
    assert all(orjson.loads(m.value) for i, m in enumerate(inner.sent) if i != 3)


def test_a_frame_is_cut_around_its_marked_reading(encoder) -> None:
    book, inner = FaultBook(), MemoryTransport()
    book.mark("meter-1", 1_740_816_002_125, InjectedFault.CORRUPT)
    book.mark("meter-1", 1_740_816_004_125, InjectedFault.DUPLICATE)
    reports: list[object] = []
    send(FaultyTransport(inner, book), encoder.frame([meter_reading(i) for i in range(6)], 10, 0),
         reports.append)  # fmt: skip
    parts = [(m.headers["seq"], m.headers["count"], m.headers["replay"]) for m in inner.sent]
    assert parts == [
        ("10", "2", "0"),
        ("12", "1", "0"),  # the corrupt one
        ("13", "1", "0"),
        ("14", "1", "0"),  # the duplicate, then its replay
        ("14", "1", "1"),
        ("15", "1", "0"),
    ]
    assert inner.sent[1].value.startswith(CORRUPT_PREFIX)
    assert inner.sent[1].headers["content_type"] == "application/json"
    table = pa.ipc.open_stream(inner.sent[0].value).read_all()
    assert table["seq"].to_pylist() == [10, 11]
    assert reports == [None]  # the whole frame is acknowledged once


def test_unmarked_devices_pass_untouched(encoder) -> None:
    book, inner = FaultBook(), MemoryTransport()
    book.mark("other", 0, InjectedFault.CORRUPT)
    message = encoder.json(meter_reading(0), 0, 0)
    send(FaultyTransport(inner, book), message)
    assert [m.value for m in inner.sent] == [message.value]


CONFIG = """
producer_id: gw-sim
status_interval_s: 0  # these tests count readings; status reports have their own
site: plant-a
spool: {{path: spool.db, commit_interval_ms: 20}}
metrics: {{port: null}}
sources:
  - {{name: sim, kind: simulator, contract: energy_meter, devices: 2, count: 300, rate: 1,
     seed: 3, payload: {payload}, faults: {{duplicate: 3, corrupt: 2, out_of_range: 2}},
     truth: truth.json}}
"""


@pytest.mark.parametrize("payload", ["json", "frame"])
def test_the_edge_sends_exactly_the_injected_transport_faults(tmp_path: Path, payload) -> None:
    transport = MemoryTransport()
    config = parse_config(CONFIG.format(payload=payload), tmp_path / "edge.yaml")
    edge = Edge(config, connect=lambda: transport)
    edge.start()
    deadline = time.monotonic() + 30
    while edge.stats.acked_readings < 600 and time.monotonic() < deadline:
        time.sleep(0.05)
    edge.stop()
    assert edge.stats.acked_readings == 600
    sent = transport.sent
    replays = [m for m in sent if m.headers["replay"] == "1"]
    corrupt_ = [m for m in sent if m.value.startswith(CORRUPT_PREFIX)]
    assert (len(replays), len(corrupt_)) == (3, 2)
    assert all(m.headers["count"] == "1" for m in replays + corrupt_)
    first_sends = [m for m in sent if m.headers["replay"] == "0"]
    assert sum(int(m.headers["count"]) for m in first_sends) == 600


def test_readings_carry_no_fault() -> None:
    fields = Reading.__dataclass_fields__
    assert "transport" not in fields and "fault" not in fields
    contract = load_contract("energy_meter")
    message = Encoder(contract, "gw", "p").json(
        Reading("energy_meter", "m", T0, meter_values()), 0, 0
    )
    assert not hasattr(message, "duplicate")
