"""Score trends as SVG drawn on the server: no script, no inline style, so the strict
Content-Security-Policy holds and nothing is built with Node.

Quality scores sit near 100%, where a 0–100% axis draws a flat line at the top; the axis
runs from the lower of `FLOOR` and the lowest score (rounded down to a tenth) to 100%, and
the chart says where it starts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

FLOOR = 0.9


@dataclass(frozen=True)
class Trend:
    """A polyline's points in a ``width`` × ``height`` box, and what its axis spans."""

    points: str  # "x,y x,y …", for <polyline points>
    low: float  # the score at the bottom edge
    last: float | None
    width: int
    height: int

    @property
    def drawn(self) -> bool:
        """A line needs two points."""
        return self.points.count(" ") >= 1


def trend(scores: Sequence[float], width: int = 160, height: int = 36) -> Trend:
    """The scores, oldest first, as a line over the box; the newest at the right edge."""
    low = min(FLOOR, math.floor(min(scores, default=1.0) * 10) / 10)
    span, n = (1.0 - low) or 1.0, len(scores)
    step = width / (n - 1) if n > 1 else 0.0
    points = " ".join(
        f"{i * step:.1f},{(height - 1) - (height - 2) * (s - low) / span:.1f}"
        for i, s in enumerate(scores)
    )
    return Trend(points, low, scores[-1] if scores else None, width, height)
