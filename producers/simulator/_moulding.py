"""Injection-moulding machines making phone housings: one reading per shot.

Each machine runs one mould and one resin. Barrel zones sit on the resin's set points
(nozzle hottest, rear coolest) and drift with the cycle time: a longer cycle keeps the
melt longer in the barrel, so the measured temperatures rise by ``DRIFT_PER_S`` per second
of cycle above nominal. Idle machines cycle slowly (interrupted cycles), faulted ones make
short shots. The shot counter rises by one per shot; a mould change restarts it at zero.
"""

from __future__ import annotations

from random import Random
from typing import Any

from producers.simulator._calendar import is_day_shift
from producers.simulator._device import Device, DeviceContext, clip, rounded
from producers.simulator._machine import MachineState

__all__ = ["MouldingMachine"]

# resin -> (nozzle set point Cel, mould temperature Cel, injection pressure MPa)
RESINS = {
    "pc": (295.0, 90.0, 130.0),
    "pc_abs": (260.0, 70.0, 110.0),
    "pa66_gf30": (290.0, 85.0, 140.0),
    "pmma": (235.0, 60.0, 100.0),
}
ZONE_OFFSETS = {"nozzle": 0.0, "front": -5.0, "middle": -15.0, "rear": -30.0}
DRIFT_PER_S = 0.15


class MouldingMachine(Device):
    """One injection-moulding machine."""

    def __init__(self, rng: Random, index: int, device_id: str, ctx: DeviceContext) -> None:
        super().__init__(rng, index, device_id, ctx)
        self.material = rng.choice(sorted(RESINS))
        self.mould = rng.randint(1, 9999)
        self.recipe = f"R{rng.randint(100, 99999)}"
        self.nominal_cycle = rng.uniform(22, 45)
        self.nominal_weight = rng.uniform(18, 60)
        self.shots = rng.randint(1_000, 400_000)
        self.operators = (f"OP{rng.randint(0, 999999):06d}", f"OP{rng.randint(0, 999999):06d}")
        self.drift = 0.0

    def reading(self, t_ms: int, reset: bool) -> dict[str, Any]:
        """The process parameters of the shot finished at ``t_ms``."""
        state, _ = self.tick(t_ms)
        if reset:  # a mould change: new mould, counter cleared (reset_below is 10)
            self.mould, self.shots = self.rng.randint(1, 9999), 0
        self.shots += 1
        cycle = self._cycle(state)
        nozzle, mould_temp, pressure = RESINS[self.material]
        self.drift = 0.98 * self.drift + self.rng.gauss(0, 0.3)
        heat = nozzle + DRIFT_PER_S * (cycle - self.nominal_cycle) + self.drift
        return {
            "mould_id": f"M{self.mould:04d}",
            "recipe_id": self.recipe,
            "material": self.material,
            "shot_count": self.shots,
            **{f"barrel_temp_{zone}": self._zone(heat + off) for zone, off in ZONE_OFFSETS.items()},
            **self._mould_temps(mould_temp),
            **self._injection(pressure, state),
            "cycle_time": rounded(cycle, 2),
            **self._shot(state),
            "operator_id": self._operator(t_ms),
        }

    def _cycle(self, state: MachineState) -> float:
        if state is MachineState.RUN:
            return clip(self.nominal_cycle * (1 + self.rng.gauss(0, 0.02)), 5, 180)
        return clip(self.nominal_cycle * self.rng.uniform(1.5, 3.5), 5, 180)

    def _zone(self, temp: float) -> float:
        return rounded(clip(temp + self.rng.gauss(0, 0.4), 0, 400), 1)

    def _mould_temps(self, base: float) -> dict[str, float]:
        return {
            "mould_temp_fixed": rounded(base + self.rng.gauss(0, 0.8), 1),
            "mould_temp_moving": rounded(base - 3 + self.rng.gauss(0, 0.8), 1),
        }

    def _injection(self, pressure: float, state: MachineState) -> dict[str, float]:
        peak = (
            pressure
            * (1.15 if state is MachineState.FAULT else 1.0)
            * (1 + self.rng.gauss(0, 0.02))
        )
        return {
            "injection_pressure": rounded(clip(peak, 0, 250), 2),
            "holding_pressure": rounded(clip(peak * self.rng.uniform(0.5, 0.65), 0, 200), 2),
            "injection_speed": rounded(clip(self.rng.gauss(120, 8), 0, 1000), 1),
        }

    def _shot(self, state: MachineState) -> dict[str, float]:
        short = 0.7 if state is MachineState.FAULT else 1.0  # short shots while faulted
        weight = self.nominal_weight * short * (1 + self.rng.gauss(0, 0.004))
        return {
            "shot_weight": rounded(clip(weight, 0, 200), 2),
            "cushion": rounded(clip(self.rng.gauss(5, 0.4), 0, 50), 2),
        }

    def _operator(self, t_ms: int) -> str | None:
        if self.rng.random() < 0.02:
            return None  # badge not scanned
        return self.operators[0 if is_day_shift(t_ms, self.ctx.utc_offset_hours) else 1]
