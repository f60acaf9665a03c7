"""Vision inspection stations: one verdict and one image per product (claim-check).

The image is a small 8-bit grayscale PNG (96 × 64, a few KB): a lit housing with sensor
noise and a dark patch for every defect box. It is stored through the run's image store,
which writes it locally (and hands it to an uploader) and returns its URI; the reading
carries only ``{"uri", "sha256"}``. Defects are likelier on night shift and while the
line is faulted.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from random import Random
from typing import Any

from producers.simulator._calendar import is_day_shift
from producers.simulator._device import Device, DeviceContext, clip, rounded
from producers.simulator._machine import MachineState
from producers.simulator._png import encode_png

__all__ = ["HEIGHT", "WIDTH", "InspectionStation", "image_key"]

WIDTH, HEIGHT = 96, 64
DEFECTS = ("scratch", "dent", "stain", "crack", "burr", "short_shot", "flash", "sink_mark")
MODEL_VERSION = "housing-defect@2.3.1"


def image_key(device_id: str, t_ms: int, serial: str) -> str:
    """Where an image lives below the claim-check prefix: ``<device>/<date>/<serial>.png``."""
    day = datetime.fromtimestamp(t_ms / 1000, UTC).date().isoformat()
    return f"{device_id}/{day}/{serial}.png"


class InspectionStation(Device):
    """One inspection station and its camera."""

    def __init__(self, rng: Random, index: int, device_id: str, ctx: DeviceContext) -> None:
        super().__init__(rng, index, device_id, ctx)
        self.station = f"ST{index % 9999 + 1:02d}"
        self.products = rng.randint(0, 10**9)
        self.brightness = rng.randint(150, 200)

    def reading(self, t_ms: int, reset: bool) -> dict[str, Any]:
        """The inspection result of the next product."""
        state, _ = self.tick(t_ms)
        self.products += 1
        serial = f"SN{self.index % 10_000:04d}{self.products % 10**10:010d}"
        defect, confidence, boxes = self._inspect(state, t_ms)
        png = self._image(boxes)
        return {
            "serial_number": serial,
            "station_id": self.station,
            "model_version": MODEL_VERSION,
            "verdict": _verdict(defect, confidence),
            "defect_class": defect,
            "confidence": rounded(confidence, 4),
            "defect_boxes": [rounded(b, 4) for b in boxes],
            "image": self._claim(serial, t_ms, png),
            "inference_time": rounded(clip(self.rng.lognormvariate(3.5, 0.25), 0, 10_000), 2),
        }

    def _inspect(self, state: MachineState, t_ms: int) -> tuple[str, float, list[float]]:
        rate = 0.15 if state is MachineState.FAULT else 0.04
        if not is_day_shift(t_ms, self.ctx.utc_offset_hours):
            rate *= 1.3
        if self.rng.random() >= rate:
            return "none", self.rng.uniform(0.9, 0.999), []
        boxes: list[float] = []
        for _ in range(self.rng.randint(1, 3)):
            x, y = self.rng.uniform(0, 0.8), self.rng.uniform(0, 0.8)
            boxes += [x, y, x + self.rng.uniform(0.05, 0.2), y + self.rng.uniform(0.05, 0.2)]
        return self.rng.choice(DEFECTS), self.rng.uniform(0.6, 0.99), boxes

    def _image(self, boxes: list[float]) -> bytes:
        noise = self.rng.randbytes(WIDTH * HEIGHT)
        pixels = bytearray()
        for row in range(HEIGHT):
            base = self.brightness - row // 2  # light falls off towards the bottom edge
            pixels += noise[row * WIDTH : (row + 1) * WIDTH].translate(_shade(base))
        for i in range(0, len(boxes), 4):
            _darken(pixels, boxes[i : i + 4])
        return encode_png(WIDTH, HEIGHT, bytes(pixels))

    def _claim(self, serial: str, t_ms: int, png: bytes) -> dict[str, str]:
        key = image_key(self.device_id, t_ms, serial)
        store = self.ctx.store_image
        if store is None:
            raise RuntimeError("visual_inspection needs an image store for its claim-checks")
        return {"uri": store(key, png), "sha256": hashlib.sha256(png).hexdigest()}


@lru_cache(maxsize=256)
def _shade(base: int) -> bytes:
    """A byte translation table: random byte -> ``base`` plus up to ±8 levels of noise."""
    return bytes(min(255, max(0, base + (b & 15) - 8)) for b in range(256))


def _verdict(defect: str, confidence: float) -> str:
    if defect == "none":
        return "pass"
    return "fail" if confidence >= 0.75 else "review"


def _darken(pixels: bytearray, box: list[float]) -> None:
    """Paint one normalised ``[x0, y0, x1, y1]`` box dark."""
    x0, x1 = int(box[0] * WIDTH), min(WIDTH, int(box[2] * WIDTH) + 1)
    for row in range(int(box[1] * HEIGHT), min(HEIGHT, int(box[3] * HEIGHT) + 1)):
        start = row * WIDTH
        pixels[start + x0 : start + x1] = bytes(40 for _ in range(x1 - x0))
