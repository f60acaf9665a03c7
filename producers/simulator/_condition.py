"""Milling machines after the AI4I 2020 predictive-maintenance dataset: one reading per product.

* air temperature: a random walk around 300 K (sd ~2 K) plus a ±1.5 K day/night swing;
* process temperature: air + 10 K plus a random walk (sd ~1 K);
* torque ~ N(40, 10) N·m, held in [3.8, 76.6];
* rotational speed from the spindle power: ``rpm = P / τ · 60 / 2π`` with P ~ N(6.3, 1.1) kW,
  held in [1168, 2886] rpm. AI4I's description says "a power of 2860 W", but its own
  speed and torque columns average ~6.4 kW and its PWF band is 3.5-9 kW, so the data wins;
* tool wear: +5/+3/+2 min per H/M/L product; the tool is replaced or fails (TWF) when the
  wear reaches its life, drawn in [200, 240] min, and the next product starts a new tool.

Failure flags (``machine_failure`` = any of them):

* TWF: the tool fails at end of life (wear in [200, 240]); 40 % of tool ends fail.
* HDF: process - air < 8.6 K and speed < 1380 rpm.
* PWF: power ``τ · ω`` < 3500 W or > 9000 W.
* OSF: wear × torque above 11000 (L), 12000 (M), 13000 (H) min·N·m.
* RNF: 0.1 % of products, at random.
"""

from __future__ import annotations

import math
from random import Random
from typing import Any

from producers.simulator._calendar import is_day_shift
from producers.simulator._device import Device, DeviceContext, clip, rounded

__all__ = ["OSF_LIMIT", "WEAR_PER_PRODUCT", "MillingMachine", "failure_flags", "power_w"]

WEAR_PER_PRODUCT = {"H": 5, "M": 3, "L": 2}
OSF_LIMIT = {"L": 11_000, "M": 12_000, "H": 13_000}
VARIANT_WEIGHTS = (("L", 0.5), ("M", 0.3), ("H", 0.2))
TOOL_LIFE = (200, 240)
HDF_DELTA_K, HDF_SPEED = 8.6, 1380
PWF_LOW_W, PWF_HIGH_W = 3500.0, 9000.0
RNF_RATE, TWF_SHARE = 0.001, 0.4


def power_w(torque: float, rpm: int) -> float:
    """Spindle power in watts: torque times angular speed."""
    return torque * rpm * 2 * math.pi / 60


def failure_flags(
    values: dict[str, Any], tool_failed: bool, random_failure: bool
) -> dict[str, bool]:
    """The five AI4I failure flags and ``machine_failure`` for one product's values."""
    variant = values["product_type"]
    delta = values["process_temperature"] - values["air_temperature"]
    power = power_w(values["torque"], values["rotational_speed"])
    flags = {
        "twf": tool_failed,
        "hdf": delta < HDF_DELTA_K and values["rotational_speed"] < HDF_SPEED,
        "pwf": power < PWF_LOW_W or power > PWF_HIGH_W,
        "osf": values["tool_wear"] * values["torque"] > OSF_LIMIT[variant],
        "rnf": random_failure,
    }
    return {"machine_failure": any(flags.values()), **flags}


class MillingMachine(Device):
    """One milling machine, one product per reading."""

    def __init__(self, rng: Random, index: int, device_id: str, ctx: DeviceContext) -> None:
        super().__init__(rng, index, device_id, ctx)
        self.air_walk = rng.gauss(0, 1.5)
        self.process_walk = rng.gauss(0, 0.8)
        self.wear = rng.randint(0, 150)
        self.life = rng.randint(*TOOL_LIFE)
        self.product = rng.randint(10_000, 60_000)
        self.tool_ended = False

    def reading(self, t_ms: int, reset: bool) -> dict[str, Any]:
        """Temperatures, speed, torque, wear and failure flags of the next product."""
        self.tick(t_ms)
        variant = self._variant()
        if reset or self.tool_ended:  # a tool change (reset_below is 5)
            self.wear, self.life = 0, self.rng.randint(*TOOL_LIFE)
        self.wear = min(self.wear + WEAR_PER_PRODUCT[variant], self.life)
        self.tool_ended = self.wear >= self.life
        failed = self.tool_ended and self.rng.random() < TWF_SHARE
        values = {
            "product_id": f"{variant}{self.product % 100_000:05d}",
            "product_type": variant,
            **self._temperatures(t_ms),
            **self._spindle(),
            "tool_wear": self.wear,
        }
        return {**values, **failure_flags(values, failed, self.rng.random() < RNF_RATE)}

    def _variant(self) -> str:
        self.product += 1
        pick, total = self.rng.random(), 0.0
        for variant, weight in VARIANT_WEIGHTS:
            total += weight
            if pick < total:
                return variant
        return "H"

    def _temperatures(self, t_ms: int) -> dict[str, float]:
        self.air_walk = clip(0.995 * self.air_walk + self.rng.gauss(0, 0.2), -4.5, 4.5)
        self.process_walk = clip(0.99 * self.process_walk + self.rng.gauss(0, 0.14), -3, 3)
        swing = 1.5 if is_day_shift(t_ms, self.ctx.utc_offset_hours) else -1.5
        air = 300 + self.air_walk + swing + self.rng.gauss(0, 0.05)
        return {
            "air_temperature": rounded(air, 2),
            "process_temperature": rounded(air + 10 + self.process_walk, 2),
        }

    def _spindle(self) -> dict[str, Any]:
        torque = rounded(clip(self.rng.gauss(40, 10), 3.8, 76.6), 1)
        power = self.rng.gauss(6300, 1100)
        rpm = round(clip(power / torque * 60 / (2 * math.pi), 1168, 2886))
        return {"rotational_speed": rpm, "torque": torque}
