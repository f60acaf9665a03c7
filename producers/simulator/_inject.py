"""How each fault kind alters a reading (or a run of readings) of a generated chunk.

Value faults change ``values``; timing faults change only when a reading arrives
(``arrival_ms``, which becomes its ``ingest_time``), never its event time, so per-device
stream rules ordered by event time see nothing but the fault itself; transport faults
(corrupt, duplicate) only mark the reading and leave it healthy: ``_faults`` applies them on
the way to Kafka.
"""

from __future__ import annotations

from random import Random
from typing import Any

from producers.encoding import format_ms
from producers.simulator._config import FaultKind, SimulatorConfig
from producers.simulator._expectations import expectation
from producers.simulator._plan import Eligible
from producers.simulator._slot import Slot
from schemas import Contract, parse_duration

__all__ = ["MAX_LATENCY_MS", "MIN_LATENCY_MS", "Chunk", "Injector", "freshness_ms"]

Chunk = list[list[Slot]]  # chunk[device][i]
MIN_LATENCY_MS, MAX_LATENCY_MS = 20, 250
_ALWAYS: Eligible = lambda device, lo: True  # noqa: E731


def freshness_ms(contract: Contract) -> int | None:
    """The contract's dataset freshness in milliseconds, if it has one."""
    if contract.freshness is None:
        return None
    return int(parse_duration(contract.freshness).total_seconds() * 1000)


class Injector:
    """Applies faults to one contract's chunks."""

    def __init__(self, contract: Contract, config: SimulatorConfig, start_ms: int) -> None:
        self.contract, self.config, self.start_ms = contract, config, start_ms
        self.fields = {k: expectation(contract, k).field for k in config.requested()}
        self.freshness = freshness_ms(contract)

    def run_length(self, kind: FaultKind) -> int:
        """How many consecutive readings one fault of ``kind`` covers."""
        if kind is FaultKind.STUCK:
            return self._stuck_after() + 1  # one longer than the rule tolerates
        return 1

    def _stuck_after(self) -> int:
        return self.contract.fields[self.fields[FaultKind.STUCK] or ""].stuck_after or 2

    def eligible(self, kind: FaultKind, chunk: Chunk) -> Eligible:
        """Where a fault of ``kind`` may start in ``chunk``, beyond being free."""
        if kind is FaultKind.STUCK:
            return lambda d, lo: self._stuck_ok(chunk[d], lo)
        if kind is FaultKind.COUNTER_RESET:
            return lambda d, lo: self._dip_ok(chunk[d], lo)
        if kind is FaultKind.CLOCK_SKEW and self.config.live:  # cannot arrive before the start
            return lambda d, lo: chunk[d][lo].event_ms - self.config.skew_ms >= self.start_ms
        return _ALWAYS

    def _stuck_ok(self, slots: list[Slot], lo: int) -> bool:
        name, run = self.fields[FaultKind.STUCK] or "", self.run_length(FaultKind.STUCK)
        value = slots[lo].values[name]
        return slots[lo - 1].values[name] != value != slots[lo + run].values[name]

    def _dip_ok(self, slots: list[Slot], lo: int) -> bool:
        name = self.fields[FaultKind.COUNTER_RESET] or ""
        before, at, after = (slots[i].values[name] for i in (lo - 1, lo, lo + 1))
        return bool(before <= at <= after and before >= self._reset_below(name) + 2)

    def _reset_below(self, name: str) -> float:
        return float(self.contract.fields[name].reset_below or 0)

    def apply(
        self, kind: FaultKind, slots: list[Slot], lo: int, fault_id: int, rng: Random
    ) -> None:
        """Give ``slots[lo]`` (and, for a stuck run, the readings after it) fault ``kind``."""
        name = self.fields.get(kind)
        if kind is FaultKind.STUCK:
            self._stuck(slots, lo, fault_id, name or "")
            return
        slot = slots[lo]
        note = getattr(self, f"_{kind.value}")(slots, lo, name, rng)
        slot.mark(kind, fault_id, **({"field": name} if name else {}), **note)

    def _stuck(self, slots: list[Slot], lo: int, fault_id: int, name: str) -> None:
        value, run = slots[lo].values[name], self.run_length(FaultKind.STUCK)
        for slot in slots[lo : lo + run]:
            slot.values[name] = value
            slot.mark(FaultKind.STUCK, fault_id, field=name, value=value)

    def _out_of_range(self, slots: list[Slot], lo: int, name: str, rng: Random) -> dict[str, Any]:
        spec = self.contract.fields[name]
        low, high = float(spec.min or 0), float(spec.max or 0)
        value = round(high + (high - low) * rng.uniform(0.05, 0.5), 2)
        slots[lo].values[name] = value
        return {"value": value}

    def _missing_field(self, slots: list[Slot], lo: int, name: str, rng: Random) -> dict[str, Any]:
        del slots[lo].values[name]
        return {}

    def _wrong_type(self, slots: list[Slot], lo: int, name: str, rng: Random) -> dict[str, Any]:
        value = str(slots[lo].values[name])  # a gateway that sends numbers as text
        slots[lo].values[name] = value
        return {"value": value}

    def _duplicate(self, slots: list[Slot], lo: int, name: None, rng: Random) -> dict[str, Any]:
        return {}  # the mark is all: sent twice on the way out (``_faults``)

    def _corrupt(self, slots: list[Slot], lo: int, name: None, rng: Random) -> dict[str, Any]:
        return {}  # the mark is all: its bytes are spoilt on the way out (``_faults``)

    def _late(self, slots: list[Slot], lo: int, name: None, rng: Random) -> dict[str, Any]:
        fresh = self.freshness or 0
        slot = slots[lo]
        slot.arrival_ms = slot.event_ms + fresh + max(1000, fresh // 5) + rng.randint(0, 999)
        return {"lag_ms": slot.arrival_ms - slot.event_ms}

    def _out_of_order(self, slots: list[Slot], lo: int, name: None, rng: Random) -> dict[str, Any]:
        slot, after = slots[lo], slots[lo + 1]
        slot.arrival_ms = after.arrival_ms + 1 + rng.randint(0, 50)
        return {"lag_ms": slot.arrival_ms - slot.event_ms, "after": format_ms(after.event_ms)}

    def _clock_skew(self, slots: list[Slot], lo: int, name: None, rng: Random) -> dict[str, Any]:
        slot = slots[lo]
        slot.arrival_ms = slot.event_ms - self.config.skew_ms + MIN_LATENCY_MS
        return {"ahead_ms": slot.event_ms - slot.arrival_ms}

    def _counter_reset(self, slots: list[Slot], lo: int, name: str, rng: Random) -> dict[str, Any]:
        before, floor = slots[lo - 1].values[name], self._reset_below(name)
        value: float = floor + (before - floor) * rng.uniform(0.25, 0.75)
        if isinstance(before, int):
            value = min(max(round(value), int(floor) + 1), before - 1)
        else:
            value = round(value, 3)
        slots[lo].values[name] = value
        return {"value": value, "previous": before}

    def _legitimate_reset(
        self, slots: list[Slot], lo: int, name: str, rng: Random
    ) -> dict[str, Any]:
        return {"value": slots[lo].values[name], "previous": slots[lo - 1].values[name]}
