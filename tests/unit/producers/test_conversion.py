"""Units converted to the contract's: a meter in W feeding kW, °F feeding K, in run and probe."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from threading import Event

import orjson
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from producers import Edge, MemoryTransport, Reading, ReadingBatch, parse_config
from producers.conversion import Converted, conversions
from producers.sources import parse_options
from schemas import load_contract

from .conftest import T0, meter_values
from .test_edge import wait_for

METER = load_contract("energy_meter")
CONDITION = load_contract("machine_condition")
MODBUS = {
    "name": "m",
    "kind": "modbus",
    "contract": "energy_meter",
    "host": "h",
    "units": {"voltage_l1": "kV"},
    "devices": [
        {"device_id": "a", "registers": [{"field": "active_power", "address": 0, "unit": "W"}]},
        {"device_id": "b", "registers": [{"field": "active_power", "address": 0}]},
    ],
}


class Fixed:
    name = "fixed"

    def __init__(self, *items: Reading | ReadingBatch) -> None:
        self.items = items

    def readings(self, stop: Event) -> Iterator[Reading | ReadingBatch]:
        yield from self.items


def run(plan_of: dict, contract, *items):  # type: ignore[no-untyped-def]
    counts: Counter[tuple[str, ...]] = Counter()
    plan = conversions(parse_options(plan_of), contract)
    return list(Converted(Fixed(*items), plan, counts).readings(Event())), counts


def meter(device: str, **values: object) -> Reading:
    return Reading("energy_meter", device, T0, meter_values() | values)


def test_each_device_is_converted_by_its_own_and_the_source_wide_units() -> None:
    (a, b), counts = run(
        MODBUS, METER, meter("a", active_power=12500), meter("b", active_power=12.5)
    )
    assert a.values["active_power"] == pytest.approx(12.5)
    assert b.values["active_power"] == 12.5  # b's register reports kW
    assert a.values["voltage_l1"] == pytest.approx(230100) and b.values["voltage_l1"] == 230100
    assert counts == {
        ("fixed", "active_power", "W", "kW"): 1,
        ("fixed", "voltage_l1", "kV", "V"): 2,
    }


def test_offsets_integers_and_non_numbers() -> None:
    options = {**MODBUS, "contract": "machine_condition", "devices": [MODBUS["devices"][1]]}
    options["units"] = {"air_temperature": "[degF]", "tool_wear": "h", "torque": "kN.m"}
    reading = Reading(
        "machine_condition",
        "b",
        T0,
        {"air_temperature": 80.33, "tool_wear": 1.26, "torque": "x"},
    )
    (out,), _ = run(options, CONDITION, reading)
    assert out.values["air_temperature"] == pytest.approx(300.0, abs=1e-6)
    assert out.values["tool_wear"] == 76 and isinstance(out.values["tool_wear"], int)  # min
    assert out.values["torque"] == "x"  # left for quarantine to judge


def test_batches_are_converted_as_columns() -> None:
    columns = pa.table({"event_time": [T0, T0], "active_power": [1000.0, 2500.0]})
    (out,), counts = run(MODBUS, METER, ReadingBatch("energy_meter", "a", columns))
    assert out.columns.column("active_power").to_pylist() == [1.0, 2.5]
    assert counts[("fixed", "active_power", "W", "kW")] == 2


@given(st.floats(-1e9, 1e9))
def test_watts_to_kilowatts_is_a_division_by_1000(value: float) -> None:
    (out,), _ = run(MODBUS, METER, meter("a", active_power=value))
    assert out.values["active_power"] == pytest.approx(value / 1000, rel=1e-12, abs=1e-12)


def test_an_edge_run_sends_contract_units_and_counts_them(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("ts,meter,p_w\n2025-03-01T08:00:00Z,m-1,12500\n")
    config = parse_config(
        "producer_id: gw-01\nsite: plant-a\nstatus_interval_s: 0\nmetrics: {port: null}\n"
        "spool: {path: spool.db, commit_interval_ms: 20}\nsources:\n"
        "  - {name: mes, kind: csv, contract: energy_meter, folder: in, device_column: meter,\n"
        "     time_column: ts, poll_interval_s: 0.02, columns: {active_power: p_w},\n"
        "     units: {active_power: W}}\n",
        tmp_path / "edge.yaml",
    )
    transport = MemoryTransport()
    edge = Edge(config, connect=lambda: transport)
    edge.start()
    wait_for(lambda: edge.stats.acked_readings == 1)
    edge.stop()
    assert orjson.loads(transport.sent[0].value)["active_power"] == 12.5
    assert edge.stats.converted == {("mes", "active_power", "W", "kW"): 1}
