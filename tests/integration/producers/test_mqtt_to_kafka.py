"""MQTT JSON payloads from a real Mosquitto reach the real broker; bad payloads are reported."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from .conftest import assert_gap_free, consume, free_port, topic_of, wait_for

pytestmark = pytest.mark.integration

MOSQUITTO = "/usr/sbin/mosquitto"


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[int]:
    """A private Mosquitto on a free port; fails (never skips) when it is not installed."""
    binary = shutil.which("mosquitto") or MOSQUITTO
    if not Path(binary).exists():
        pytest.fail("mosquitto is not installed: apt-get install -y mosquitto", pytrace=False)
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    process = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        assert wait_for(lambda: _listening(port), 10), "mosquitto did not start"
        yield port
    finally:
        process.terminate()
        process.wait(10)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_payloads_arrive_and_garbage_is_reported(
    mosquitto: int, bootstrap: str, edge_for, producer_id: str
) -> None:
    import paho.mqtt.client as mqtt

    source = (
        f"  - {{name: meters, kind: mqtt, contract: energy_meter, host: 127.0.0.1,\n"
        f"     port: {mosquitto},\n"
        "     topics: ['plant/meters/+/reading'], device_topic_level: 2, time_field: ts,\n"
        "     fields: {active_power: p_kw}}\n"
    )
    edge = edge_for(source, bootstrap)
    edge.start()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{producer_id}")
    client.connect("127.0.0.1", mosquitto)
    client.loop_start()
    try:
        # A garbage payload, repeated until the edge reports it: then its subscription is live.
        def probe() -> bool:
            client.publish("plant/meters/m-1/reading", b"{not json", qos=1).wait_for_publish(5)
            return edge.stats.source_errors[("meters", "BadInput")] > 0

        assert wait_for(probe, 20)
        for i in range(100):
            payload = {
                "ts": f"2025-03-01T08:00:{i % 60:02d}.5Z",
                "p_kw": float(i),
                "voltage_l1": 230.0,
                "current_l1": 5.0,
                "power_factor": 0.9,
                "frequency": 50.0,
                "active_energy": 10.0 + i,
            }
            client.publish(f"plant/meters/m-{i % 3}/reading", orjson.dumps(payload), qos=1)
        assert wait_for(lambda: edge.stats.acked_readings >= 100)
    finally:
        client.loop_stop()
        client.disconnect()
    edge.stop()
    got = consume(bootstrap, topic_of("energy_meter"), producer_id, 100)
    assert_gap_free(got, 100)
    assert {g.doc["device_id"] for g in got} == {"m-0", "m-1", "m-2"}
    assert sorted(g.doc["active_power"] for g in got) == [float(i) for i in range(100)]
    assert got[0].doc["event_time"].endswith(".500Z")
    assert edge.stats.last_error is not None and "not JSON" in edge.stats.last_error.message
    time.sleep(0)
