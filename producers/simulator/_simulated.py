"""One reading as a run yields it: the reading, when it arrives, and the fault it carries.

Its own module because both the run (``_run``, which makes them) and the ground truth
(``_truth``, which counts them) need it, and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from producers._reading import Reading
from producers.simulator._config import FaultKind

__all__ = ["Simulated"]


@dataclass(frozen=True, slots=True)
class Simulated:
    """One yielded reading with when it arrives and the fault it carries (if any)."""

    reading: Reading
    arrival_ms: int
    fault: FaultKind | None = None
    fault_id: int = -1
    note: dict[str, Any] = field(default_factory=dict)
