"""Sorting lines: one event per item passing the vision gate.

The conveyor runs at a per-line set point, slower on night shift and when the line is
idle, crawling when faulted; the encoder always jitters, so a healthy line never repeats
its speed reading. Classes map to bins (grade A to bins 1-16, B to 17-32, rework 33-48,
scrap 49-60, unknown to the reject bins 61-64); low-confidence items go to ``unknown``.
"""

from __future__ import annotations

from random import Random
from typing import Any

from producers.simulator._device import Device, DeviceContext, clip, rounded
from producers.simulator._machine import MachineState

__all__ = ["BINS", "SortingLine"]

CLASSES = (("grade_a", 0.7), ("grade_b", 0.15), ("rework", 0.08), ("scrap", 0.05))
BINS = {
    "grade_a": (1, 16),
    "grade_b": (17, 32),
    "rework": (33, 48),
    "scrap": (49, 60),
    "unknown": (61, 64),
}
_SPEED = {MachineState.RUN: 1.0, MachineState.IDLE: 0.4, MachineState.FAULT: 0.1}


class SortingLine(Device):
    """One sorting line with its vision gate and diverters."""

    def __init__(self, rng: Random, index: int, device_id: str, ctx: DeviceContext) -> None:
        super().__init__(rng, index, device_id, ctx)
        self.set_point = rng.uniform(1.2, 2.5)
        self.items = rng.randint(0, 10**8)

    def reading(self, t_ms: int, reset: bool) -> dict[str, Any]:
        """The sorting decision for the next item."""
        state, load = self.tick(t_ms)
        self.items += 1
        label, confidence = self._classify()
        low, high = BINS[label]
        speed = self.set_point * _SPEED[state] * (0.8 + 0.2 * load)
        return {
            "item_id": f"IT-{self.index:04d}-{self.items:09d}",
            "predicted_class": label,
            "confidence": rounded(confidence, 4),
            "bin": self.rng.randint(low, high),
            "diverted": self.rng.random() > 0.005,
            "conveyor_speed": rounded(clip(speed + self.rng.gauss(0, 0.01), 0.001, 5), 3),
            "decision_latency": rounded(clip(self.rng.lognormvariate(3.6, 0.35), 0, 2000), 2),
        }

    def _classify(self) -> tuple[str, float]:
        confidence = clip(self.rng.betavariate(12, 1.5), 0, 1)
        if confidence < 0.55:
            return "unknown", confidence
        pick, total = self.rng.random(), 0.0
        for label, weight in CLASSES:
            total += weight
            if pick < total:
                return label, confidence
        return "scrap", confidence
