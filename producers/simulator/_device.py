"""What every simulated device shares: its identity, random stream, machine state and clock.

A device model turns one step of simulated time into the values of one reading. It is a
stateful object driven in order (step 0, 1, 2, ...) from its own ``random.Random``, so a
device's readings depend only on the seed, the contract and the device's index.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from random import Random
from typing import Any

from producers.simulator._calendar import load_factor
from producers.simulator._machine import MachineState, StateMachine

__all__ = ["Device", "DeviceContext", "clip", "rounded"]


@dataclass(frozen=True)
class DeviceContext:
    """Run-wide facts a device model needs."""

    seed: int
    dt_s: float
    utc_offset_hours: float
    store_image: Callable[[str, bytes], str] | None = None  # key, PNG -> URI


class Device(ABC):
    """One simulated device of one contract."""

    def __init__(self, rng: Random, index: int, device_id: str, ctx: DeviceContext) -> None:
        self.rng = rng
        self.index = index
        self.device_id = device_id
        self.ctx = ctx
        self.machine = StateMachine(rng)

    def tick(self, t_ms: int) -> tuple[MachineState, float]:
        """Advance the machine to ``t_ms``; return its state and the plant load."""
        load = load_factor(t_ms, self.ctx.utc_offset_hours)
        return self.machine.advance(self.ctx.dt_s, load), load

    @abstractmethod
    def reading(self, t_ms: int, reset: bool) -> dict[str, Any]:
        """The contract's values at ``t_ms``; ``reset`` restarts the counter near zero."""


def clip(value: float, low: float, high: float) -> float:
    """``value`` held inside ``[low, high]``."""
    return min(max(value, low), high)


def rounded(value: float, digits: int) -> float:
    """A float rounded for the wire (sensors report a fixed resolution)."""
    return round(value, digits)
