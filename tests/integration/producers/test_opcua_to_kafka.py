"""OPC UA data changes from a real asyncua server reach Kafka with source time and status."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from .conftest import assert_gap_free, consume, free_port, topic_of, wait_for

pytestmark = pytest.mark.integration


@dataclass
class OpcServer:
    port: int
    loop: asyncio.AbstractEventLoop
    air: object
    speed: object

    def write(self, air: float, speed: int, when: datetime) -> None:
        """Write both values with a source timestamp, on the server's loop."""
        from asyncua import ua

        async def write() -> None:
            for node, value, kind in (
                (self.air, air, ua.VariantType.Double),
                (self.speed, speed, ua.VariantType.Int32),
            ):
                await node.write_value(ua.DataValue(ua.Variant(value, kind), SourceTimestamp=when))  # type: ignore[attr-defined]

        asyncio.run_coroutine_threadsafe(write(), self.loop).result(10)


@pytest.fixture
def opc_server() -> Iterator[OpcServer]:
    """An asyncua server: Mill01.AirTemp (Double), Mill01.Speed (Int32), Mill01.Torque (String!)."""
    from asyncua import Server, ua

    port, loop, ready = free_port(), asyncio.new_event_loop(), threading.Event()
    holder: dict[str, object] = {}

    async def main() -> None:
        server = Server()
        await server.init()
        server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/")
        idx = await server.register_namespace("urn:assay:test")
        mill = await server.nodes.objects.add_object(idx, "Mill01")
        holder["air"] = await mill.add_variable(ua.NodeId("Mill01.AirTemp", idx), "AirTemp", 300.0)
        holder["speed"] = await mill.add_variable(
            ua.NodeId("Mill01.Speed", idx), "Speed", 1500, ua.VariantType.Int32
        )
        await mill.add_variable(ua.NodeId("Mill01.Torque", idx), "Torque", "forty")
        holder["server"] = server
        async with server:
            ready.set()
            while not holder.get("stop"):
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(30), "OPC UA server did not start"
    yield OpcServer(port, loop, holder["air"], holder["speed"])
    holder["stop"] = True
    thread.join(10)


def test_changes_arrive_with_source_time_and_wrong_types_are_reported(
    opc_server: OpcServer, bootstrap: str, edge_for, producer_id: str
) -> None:
    source = (
        f"  - name: mill\n    kind: opcua\n    contract: machine_condition\n"
        f"    endpoint: opc.tcp://127.0.0.1:{opc_server.port}/\n    publishing_interval_ms: 50\n"
        "    status_field: signal_quality\n"
        "    devices:\n      - device_id: mill-01\n        nodes:\n"
        "          air_temperature: 'ns=2;s=Mill01.AirTemp'\n"
        "          rotational_speed: 'ns=2;s=Mill01.Speed'\n"
        "          torque: 'ns=2;s=Mill01.Torque'\n"
    )
    edge = edge_for(source, bootstrap)
    edge.start()
    assert wait_for(lambda: edge.stats.source_errors[("mill", "SourceTypeError")] >= 1, 30)
    error = edge.stats.last_error
    assert error is not None and "torque" in error.message and "String" in error.message
    assert wait_for(lambda: edge.stats.read["mill"] >= 1, 30)  # the initial values
    for i in range(1, 11):
        opc_server.write(300.0 + i, 1500 + i, datetime(2025, 3, 1, 8, 0, i, 500000, tzinfo=UTC))
        assert wait_for(lambda i=i: edge.stats.read["mill"] >= 1 + 2 * i, 10)
    assert wait_for(lambda: edge.stats.acked_readings == edge.stats.read["mill"])
    edge.stop()
    n = edge.stats.acked_readings
    got = consume(bootstrap, topic_of("machine_condition"), producer_id, n)
    assert_gap_free(got, n)
    last = max(got, key=lambda g: g.seq).doc
    assert (last["air_temperature"], last["rotational_speed"]) == (310.0, 1510)
    assert last["event_time"] == "2025-03-01T08:00:10.500Z"
    assert "torque" not in last  # the mistyped node was not subscribed
    assert last["signal_quality"] == "good"  # the OPC UA status lands with the values
