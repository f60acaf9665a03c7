"""Modbus values: scaled registers, typed for the contract's field."""

from __future__ import annotations

from producers import SourceContext
from producers.sources.modbus import Options, Register, build, decode
from schemas import load_contract


def poller():  # type: ignore[no-untyped-def]
    options = Options(
        name="plc",
        kind="modbus",
        contract="sorting_events",
        host="127.0.0.1",
        devices=[{"device_id": "line-1", "registers": [{"field": "bin", "address": 0}]}],
    )
    return build(options, SourceContext(load_contract("sorting_events"), "plant-a"))


def test_a_whole_value_of_an_int64_field_becomes_an_int() -> None:
    register = Register(field="bin", address=0, type="int32")
    assert poller()._typed(register, decode([0xFFFF, 0xFFFE], register)) == -2


def test_a_float32_beyond_int64_stays_a_float() -> None:
    register = Register(field="bin", address=0, type="float32")
    value = poller()._typed(register, decode([0x7F7F, 0xFFFF], register))  # float32 max
    assert isinstance(value, float) and value > 2**127
