"""One reading while it is being simulated: its place in time, its values and its fault."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from producers.simulator._config import FaultKind

__all__ = ["Slot"]


@dataclass(slots=True)
class Slot:
    """Reading ``k`` of device ``device``: when it happened, when it arrives, what it says."""

    device: int
    k: int
    event_ms: int
    arrival_ms: int
    values: dict[str, Any] = field(default_factory=dict)
    fault: FaultKind | None = None
    fault_id: int = -1  # groups the readings of one stuck run
    note: dict[str, Any] = field(default_factory=dict)  # what the ground truth records

    def mark(self, kind: FaultKind, fault_id: int, **note: Any) -> None:
        """Record that this reading carries fault ``kind``."""
        self.fault, self.fault_id = kind, fault_id
        self.note.update(note)
