"""The fleet: which device model simulates each contract, device ids, sites, random streams."""

from __future__ import annotations

from random import Random

from producers.simulator._condition import MillingMachine
from producers.simulator._config import SimulatorConfig
from producers.simulator._device import Device, DeviceContext
from producers.simulator._energy import EnergyMeter
from producers.simulator._errors import SimulatorError
from producers.simulator._moulding import MouldingMachine
from producers.simulator._sorting import SortingLine
from producers.simulator._vision import InspectionStation

__all__ = ["MODELS", "build_fleet", "device_id", "site_of", "stream"]

# contract -> (device model, default device id prefix)
MODELS: dict[str, tuple[type[Device], str]] = {
    "energy_meter": (EnergyMeter, "em"),
    "process_params": (MouldingMachine, "imm"),
    "visual_inspection": (InspectionStation, "vis"),
    "sorting_events": (SortingLine, "sort"),
    "machine_condition": (MillingMachine, "mill"),
}


def stream(config: SimulatorConfig, *parts: object) -> Random:
    """An independent random stream named by the seed, the contract and ``parts``."""
    name = ":".join(str(p) for p in ("assay-sim", config.seed, config.contract, *parts))
    return Random(name)


def device_id(config: SimulatorConfig, index: int) -> str:
    """The id of device ``index`` (0-based), e.g. ``em-0001``."""
    prefix = config.device_prefix or MODELS[config.contract][1]
    return f"{prefix}-{index + 1:04d}"


def site_of(config: SimulatorConfig, index: int) -> str:
    """The site device ``index`` stands on: devices are dealt round-robin over the sites."""
    return f"site-{index % config.sites + 1:02d}"


def build_fleet(config: SimulatorConfig, ctx: DeviceContext) -> list[Device]:
    """One device model per device, each with its own random stream."""
    if config.contract not in MODELS:
        known = ", ".join(sorted(MODELS))
        raise SimulatorError(
            f"no simulator for contract {config.contract!r}; there is one for {known}"
        )
    model = MODELS[config.contract][0]
    return [
        model(stream(config, "device", i), i, device_id(config, i), ctx)
        for i in range(config.devices)
    ]
