"""Modbus TCP polling (pymodbus 3.16): a register map per device, one reading per poll.

Config (``kind: modbus``)::

    host: 10.0.0.30
    port: 502
    interval_s: 1.0               # one poll of every device per interval
    timeout_s: 1.0
    devices:
      - device_id: meter-07
        unit: 1                   # the Modbus unit (device) id
        registers:
          - {field: active_power, address: 0, type: float32, word_order: big, scale: 1.0}
          - {field: voltage_l1, address: 2, type: uint16, scale: 0.1, table: holding}
          - {field: active_power, address: 4, type: int32, unit: W}   # converted to kW

Types: uint16, int16 (one register), uint32, int32, float32 (two registers, ``word_order``
big = high word first). The value is ``raw * scale + offset``; an integer contract field
gets an int when the result is whole and fits int64. ``table`` is ``holding`` (function 3)
or ``input`` (4). ``unit`` is the unit of the scaled value when it is not the contract
field's: the edge converts it (pint), as for any source's ``units: {field: unit}``.
A timeout or an exception response is reported (``SourceTimeout`` / ``SourceError``) and the
device is polled again next interval; the connection is reopened as needed. Never fatal.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from threading import Event
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from producers._reading import Reading
from producers.errors import SourceError, SourceTimeout
from producers.sources._base import FieldMap, SourceContext, SourceOptions

__all__ = ["Device", "ModbusPoller", "Options", "Register", "build", "decode", "field_map"]

RegisterType = Literal["uint16", "int16", "uint32", "int32", "float32"]
_WIDTH = {"uint16": 1, "int16": 1, "uint32": 2, "int32": 2, "float32": 2}


class Register(BaseModel):
    """One contract field read from one or two registers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    address: int = Field(ge=0, le=65535)
    type: RegisterType = "uint16"
    scale: float = 1.0
    offset: float = 0.0
    word_order: Literal["big", "little"] = "big"
    table: Literal["holding", "input"] = "holding"
    #: the unit of the scaled value when not the contract field's (``W`` for a kW field)
    unit: str | None = Field(default=None, min_length=1)


class Device(BaseModel):
    """One Modbus unit and its register map."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    device_id: str = Field(min_length=1)
    unit: int = Field(default=1, ge=0, le=255)
    registers: list[Register] = Field(min_length=1)


class Options(SourceOptions):
    """Options of a Modbus TCP poller."""

    host: str
    port: int = Field(default=502, ge=1, le=65535)
    interval_s: float = Field(default=1.0, gt=0)
    timeout_s: float = Field(default=1.0, gt=0)
    devices: list[Device] = Field(min_length=1)


def build(options: Options, context: SourceContext) -> ModbusPoller:
    """The poller for these options."""
    return ModbusPoller(options, context)


def field_map(options: Options) -> list[FieldMap]:
    """Each device fills its registers' fields, each in its register's ``unit`` if given."""
    return [_device_map(i, d) for i, d in enumerate(options.devices)]


def _device_map(i: int, device: Device) -> FieldMap:
    keys = {r.field: f"devices[{i}].registers[{j}]" for j, r in enumerate(device.registers)}
    units = {r.field: (f"{keys[r.field]}.unit", r.unit) for r in device.registers if r.unit}
    fields = {f: f"{key}.field" for f, key in keys.items()}
    return FieldMap(f"devices[{i}]", device.device_id, fields, units=units)


def decode(registers: list[int], register: Register) -> float:
    """Raw register words -> the scaled value."""
    words = registers if register.word_order == "big" else list(reversed(registers))
    if register.type in ("uint16", "int16"):
        raw: float = words[0]
        if register.type == "int16" and raw >= 0x8000:
            raw -= 0x10000
    else:
        whole = (words[0] << 16) | words[1]
        raw = _float32(whole) if register.type == "float32" else whole
        if register.type == "int32" and whole >= 0x8000_0000:
            raw = whole - 0x1_0000_0000
    return raw * register.scale + register.offset


def _float32(whole: int) -> float:
    import struct

    return float(struct.unpack(">f", whole.to_bytes(4, "big"))[0])


class ModbusPoller:
    """Polls each device's registers every ``interval_s`` and yields one reading per device."""

    def __init__(self, options: Options, context: SourceContext) -> None:
        self.name = options.name
        self.options = options
        self.context = context
        self._client: Any = None

    def readings(self, stop: Event) -> Iterator[Reading]:
        """Poll until ``stop``; a device that does not answer is reported and polled again."""
        try:
            while not stop.is_set():
                started = time.monotonic()
                for device in self.options.devices:
                    reading = self._poll(device)
                    if reading is not None:
                        yield reading
                stop.wait(max(0.0, self.options.interval_s - (time.monotonic() - started)))
        finally:
            if self._client is not None:
                self._client.close()

    def _connect(self) -> Any:
        from pymodbus.client import ModbusTcpClient

        if self._client is None:
            self._client = ModbusTcpClient(
                self.options.host, port=self.options.port, timeout=self.options.timeout_s, retries=0
            )
        if not self._client.connected and not self._client.connect():
            where = f"{self.options.host}:{self.options.port}"
            raise SourceError(self.name, f"cannot connect to {where}", transient=True)
        return self._client

    def _poll(self, device: Device) -> Reading | None:
        moment = datetime.now(UTC)
        try:
            client = self._connect()
            values = {r.field: self._read(client, device, r) for r in device.registers}
        except SourceError as exc:
            self.context.report(exc)
            if self._client is not None:
                self._client.close()
            return None
        return Reading(
            self.context.contract.name, device.device_id, moment, values, site=self.options.site
        )

    def _read(self, client: Any, device: Device, register: Register) -> float | int:
        from pymodbus.exceptions import ModbusException

        call = (
            client.read_holding_registers
            if register.table == "holding"
            else client.read_input_registers
        )
        try:
            response = call(register.address, count=_WIDTH[register.type], device_id=device.unit)
        except ModbusException as exc:
            raise self._translate(device, register, exc) from exc
        if response.isError():
            raise SourceError(
                self.name, f"{device.device_id} register {register.address}: {response}"
            )
        return self._typed(register, decode(list(response.registers), register))

    def _translate(self, device: Device, register: Register, exc: Exception) -> SourceError:
        text = str(exc).lower()
        if "timeout" in text or "no response" in text or "connection" in text:
            return SourceTimeout(
                self.name,
                f"{device.device_id} (unit {device.unit}, register {register.address})",
                self.options.timeout_s,
            )
        return SourceError(self.name, f"{device.device_id} register {register.address}: {exc}")

    def _typed(self, register: Register, value: float) -> float | int:
        spec = self.context.contract.fields.get(register.field)
        whole = float(value).is_integer() and abs(value) < 2**63  # a float32 reaches 3.4e38
        if spec is not None and spec.type == "int64" and whole:
            return int(value)
        return value
