"""Modbus TCP registers from a real pymodbus server reach Kafka; a mute device is reported."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from .conftest import assert_gap_free, consume, serve_modbus, topic_of, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def modbus_server() -> Iterator[int]:
    """A pymodbus TCP server: float32 12.5 kW at 0-1, 2301 (230.1 V) at 2, int32 -7 at 3-4."""
    high, low = struct.unpack(">HH", struct.pack(">f", 12.5))
    neg_high, neg_low = struct.unpack(">HH", struct.pack(">i", -7))
    with serve_modbus([high, low, 2301, neg_high, neg_low] + [0] * 20) as port:
        yield port


@pytest.fixture
def mute_device() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a hung Modbus gateway."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()
    for conn in held:
        conn.close()


SOURCE = """  - name: meter
    kind: modbus
    contract: energy_meter
    host: 127.0.0.1
    port: {port}
    interval_s: 0.05
    timeout_s: 0.5
    devices:
      - device_id: meter-07
        unit: 1
        registers:
          - {{field: active_power, address: 0, type: float32}}
          - {{field: voltage_l1, address: 2, type: uint16, scale: 0.1}}
          - {{field: active_energy, address: 3, type: int32}}
"""


def test_registers_arrive_scaled_and_typed(
    modbus_server: int, bootstrap: str, edge_for, producer_id: str
) -> None:
    edge = edge_for(SOURCE.format(port=modbus_server), bootstrap)
    edge.start()
    assert wait_for(lambda: edge.stats.acked_readings >= 20)
    edge.stop()
    n = edge.stats.acked_readings
    got = consume(bootstrap, topic_of("energy_meter"), producer_id, n)
    assert_gap_free(got, n)
    doc = got[0].doc
    assert (doc["device_id"], doc["active_power"], doc["active_energy"]) == ("meter-07", 12.5, -7.0)
    assert doc["voltage_l1"] == pytest.approx(230.1)


def test_a_timeout_is_reported_and_retried(mute_device: int, bootstrap: str, edge_for) -> None:
    edge = edge_for(SOURCE.format(port=mute_device), bootstrap)
    edge.start()
    assert wait_for(lambda: edge.stats.source_errors[("meter", "SourceTimeout")] >= 2, 20)
    threads_alive = all(t.is_alive() for t in edge._threads)
    edge.stop()
    assert threads_alive
    assert "did not answer" in (edge.stats.last_error.message if edge.stats.last_error else "")
