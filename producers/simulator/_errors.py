"""The simulator's exceptions.

SimulatorError             root of the simulator (under ``schemas.AssayError``)
├── FaultNotSupportedError a contract has no field a fault kind needs (``contract``, ``kind``)
└── FaultCapacityError     the run is too short or too slow for the faults asked (``kind``)
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas import AssayError

__all__ = ["FaultCapacityError", "FaultNotSupportedError", "SimulatorError"]


class SimulatorError(AssayError):
    """Root of every error the simulator raises on purpose."""


class FaultNotSupportedError(SimulatorError):
    """The contract cannot carry this fault kind (no counter, no stuck rule, ...)."""

    def __init__(self, contract: str, kind: str, supported: Sequence[str]) -> None:
        self.contract = contract
        self.kind = str(kind)
        self.supported = tuple(str(k) for k in supported)
        super().__init__(
            f"{contract} cannot carry {self.kind} faults; it supports {', '.join(self.supported)}"
        )


class FaultCapacityError(SimulatorError):
    """Not every requested fault fits: too few readings, or timing makes it impossible."""

    def __init__(self, contract: str, kind: str, placed: int, requested: int, why: str) -> None:
        self.contract = contract
        self.kind = str(kind)
        self.placed = placed
        self.requested = requested
        self.why = why
        super().__init__(f"{contract}: placed {placed} of {requested} {self.kind} faults; {why}")
