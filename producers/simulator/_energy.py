"""Energy meters on plant feeders: power follows the machine state, energy only rises.

Three-phase meters (four in five) report line-to-neutral voltages ``V``; a balanced load
draws ``I = P / (3 · V · pf)`` per phase, which is ``P / (√3 · V_LL · pf)`` with the
line-to-line voltage ``V_LL = √3 · V``. Single-phase meters report L1 only, ``I = P / (V · pf)``,
and null for L2/L3. Idle machines draw 8-15 % of rated power, faulted ones 2-5 %; every
signal carries sensor noise so no healthy meter ever repeats a value for long.
"""

from __future__ import annotations

import math
from random import Random
from typing import Any

from producers.simulator._device import Device, DeviceContext, clip, rounded
from producers.simulator._machine import MachineState

__all__ = ["EnergyMeter"]

NOMINAL_V = 220.0
_DRAW = {
    MachineState.RUN: (0.6, 0.9),
    MachineState.IDLE: (0.08, 0.15),
    MachineState.FAULT: (0.02, 0.05),
}
_PF = {
    MachineState.RUN: (0.86, 0.95),
    MachineState.IDLE: (0.55, 0.7),
    MachineState.FAULT: (0.4, 0.6),
}


class EnergyMeter(Device):
    """A multifunction meter on one feeder."""

    def __init__(self, rng: Random, index: int, device_id: str, ctx: DeviceContext) -> None:
        super().__init__(rng, index, device_id, ctx)
        self.three_phase = rng.random() < 0.8
        self.rated_kw = rng.uniform(60, 400) if self.three_phase else rng.uniform(5, 20)
        self.energy = rng.uniform(1_000, 500_000)
        self.circuit = f"F{index % 40 + 1:02d}-L{rng.randint(1, 6)}" if rng.random() < 0.9 else None
        self.draw = rng.uniform(*_DRAW[self.machine.state])

    def reading(self, t_ms: int, reset: bool) -> dict[str, Any]:
        """Power, energy register, voltages, currents, power factor and frequency."""
        state, load = self.tick(t_ms)
        power = self._power(state, load)
        self.energy += max(power, 0.0) * self.ctx.dt_s / 3600
        if reset:  # a meter swap: the new register starts near zero (reset_below is 10)
            self.energy = self.rng.uniform(0, 5)
        volts = [NOMINAL_V * (1 + self.rng.gauss(0, 0.006)) for _ in range(3)]
        pf = self.rng.uniform(*_PF[state])
        return {
            "circuit": self.circuit,
            "active_power": rounded(power, 2),
            "active_energy": rounded(self.energy, 3),
            **self._phases(power, volts, pf),
            "power_factor": rounded(pf, 3),
            "frequency": rounded(50 + self.rng.gauss(0, 0.02), 3),
        }

    def _power(self, state: MachineState, load: float) -> float:
        """Active power in kW: the state's draw, drifting slowly, plus noise."""
        low, high = _DRAW[state]
        self.draw = clip(self.draw + self.rng.gauss(0, 0.01), low, high)
        scale = load if state is MachineState.RUN else 1.0
        return self.rated_kw * self.draw * (0.5 + 0.5 * scale) * (1 + self.rng.gauss(0, 0.01))

    def _phases(self, power: float, volts: list[float], pf: float) -> dict[str, Any]:
        if not self.three_phase:
            amps = power * 1000 / (volts[0] * pf)
            return {
                "voltage_l1": rounded(volts[0], 1),
                "voltage_l2": None,
                "voltage_l3": None,
                "current_l1": rounded(amps, 2),
                "current_l2": None,
                "current_l3": None,
            }
        out: dict[str, Any] = {}
        for phase, volt in enumerate(volts, start=1):
            out[f"voltage_l{phase}"] = rounded(volt, 1)
        for phase, volt in enumerate(volts, start=1):
            share = 1 + self.rng.gauss(0, 0.01)  # a slightly unbalanced load
            out[f"current_l{phase}"] = rounded(line_current(share * power, volt, pf), 2)
        return out


def line_current(power_kw: float, volts_ln: float, pf: float) -> float:
    """Balanced three-phase current per phase: ``P / (√3 · V_LL · pf)``."""
    return power_kw * 1000 / (math.sqrt(3) * math.sqrt(3) * volts_ln * pf)
