"""Machine states (run, idle, fault) as a continuous-time Markov chain sampled each step.

Transition rates are per hour, so the dynamics do not depend on the sampling rate: a
step of ``dt`` seconds moves with probability ``1 - exp(-rate * dt / 3600)``. Load from
the shift calendar makes machines idle more at night and on weekends.
"""

from __future__ import annotations

import math
from enum import StrEnum
from random import Random

__all__ = ["MachineState", "StateMachine"]


class MachineState(StrEnum):
    """What a machine is doing."""

    RUN = "run"
    IDLE = "idle"
    FAULT = "fault"


RUN_TO_IDLE_PER_H = 0.6  # scaled up as load drops
IDLE_TO_RUN_PER_H = 3.0  # scaled by load
RUN_TO_FAULT_PER_H = 0.05
FAULT_TO_IDLE_PER_H = 3.0  # mean repair time 20 min


class StateMachine:
    """One machine's state; ``advance`` moves it by one step."""

    def __init__(self, rng: Random, running: float = 0.8) -> None:
        self.rng = rng
        self.state = MachineState.RUN if rng.random() < running else MachineState.IDLE

    def advance(self, dt_s: float, load: float) -> MachineState:
        """Move the chain ``dt_s`` seconds ahead under ``load``; return the new state."""
        for target, rate in self._rates(load):
            if self.rng.random() < 1 - math.exp(-rate * dt_s / 3600):
                self.state = target
                break
        return self.state

    def _rates(self, load: float) -> list[tuple[MachineState, float]]:
        if self.state is MachineState.RUN:
            return [
                (MachineState.FAULT, RUN_TO_FAULT_PER_H),
                (MachineState.IDLE, RUN_TO_IDLE_PER_H * (2.0 - load)),
            ]
        if self.state is MachineState.IDLE:
            return [(MachineState.RUN, IDLE_TO_RUN_PER_H * load)]
        return [(MachineState.IDLE, FAULT_TO_IDLE_PER_H)]
