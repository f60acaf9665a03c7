"""The ground truth: exactly what a run injected, and what the pipeline must therefore count.

Built from the readings actually yielded, so a run stopped early still tells the truth
about what it sent (``complete`` is then false). Layout (``format`` = ``assay.simulator.truth/1``)::

    {"format": ..., "complete": true, "config": {...},
     "contracts": {"<contract>": {
        "version": "1.0.0", "readings": R, "messages": R + duplicates,
        "expected": {"curated": .., "quarantined": .., "dead_lettered": ..,
                     "duplicates_dropped": .., "flagged": ..},
        "faults": {"<kind>": {
            "count": n, "rule": "range:current_l1", "dimension": "accuracy",
            "outcome": "quarantine", "field": "current_l1", "rows_per_fault": 1,
            "must_not_trip": null,
            "readings": [{"device_id": .., "event_time": "..Z", ...}]}}}}}

A stuck fault is one run: its entry has ``first``, ``last`` and ``rows`` (stuck_after + 1)
instead of ``event_time``, and every row of the run is flagged. ``expected`` keeps the
accounting invariant: ``messages = curated + quarantined + dead_lettered + duplicates_dropped``;
``flagged`` rows (late, stuck) stay in ``curated`` with a warning.
"""

from __future__ import annotations

from typing import Any

from producers.encoding import epoch_ms, format_ms
from producers.simulator._config import FaultKind, SimulatorConfig
from producers.simulator._expectations import expectation
from producers.simulator._simulated import Simulated
from schemas import Contract

__all__ = ["FORMAT", "TruthRecorder", "expected_outcomes", "truth_document"]

FORMAT = "assay.simulator.truth/1"


class TruthRecorder:
    """Collects the faults of the readings a run yields."""

    def __init__(self, config: SimulatorConfig, contract: Contract) -> None:
        self.config, self.contract = config, contract
        self.readings = 0
        self.entries: dict[FaultKind, dict[int, dict[str, Any]]] = {
            kind: {} for kind in config.requested()
        }

    def record(self, item: Simulated) -> None:
        """Count one yielded reading and remember its fault, if it has one."""
        self.readings += 1
        if item.fault is None:
            return
        entries = self.entries.setdefault(item.fault, {})
        device, when = item.reading.device_id, format_ms(epoch_ms(item.reading.event_time))
        if item.fault is FaultKind.STUCK:
            _extend_run(entries, item, device, when)
            return
        entries[item.fault_id] = {"device_id": device, "event_time": when, **item.note}

    def contract_truth(self) -> dict[str, Any]:
        """This contract's part of the ground truth."""
        faults = {kind.value: self._kind(kind) for kind in self.entries}
        counts = {FaultKind(k): v["count"] for k, v in faults.items()}
        rows = {FaultKind(k): v["rows"] for k, v in faults.items()}
        duplicates = counts.get(FaultKind.DUPLICATE, 0)
        return {
            "version": self.contract.version,
            "readings": self.readings,
            "messages": self.readings + duplicates,
            "expected": expected_outcomes(self.contract, self.readings, rows),
            "faults": faults,
        }

    def _kind(self, kind: FaultKind) -> dict[str, Any]:
        rule = expectation(self.contract, kind)
        entries = [self.entries[kind][i] for i in sorted(self.entries[kind])]
        rows = sum(e.get("rows", 1) for e in entries)
        return {
            "count": len(entries),
            "rows": rows,
            "rule": rule.rule,
            "dimension": rule.dimension,
            "outcome": rule.outcome,
            "field": rule.field,
            "must_not_trip": rule.must_not_trip,
            "readings": entries,
        }


def _extend_run(
    entries: dict[int, dict[str, Any]], item: Simulated, device: str, when: str
) -> None:
    entry = entries.get(item.fault_id)
    if entry is None:
        entries[item.fault_id] = {"device_id": device, "first": when, "last": when,
                                  "rows": 1, **item.note}  # fmt: skip
        return
    entry["rows"] += 1
    entry["first"], entry["last"] = min(entry["first"], when), max(entry["last"], when)


def truth_document(
    config: SimulatorConfig, start_ms: int, complete: bool, recorder: TruthRecorder
) -> dict[str, Any]:
    """A run's whole ground truth (the layout above), from what ``recorder`` counted."""
    return {
        "format": FORMAT,
        "complete": complete,
        "config": config.model_dump(mode="json"),
        "start": format_ms(start_ms),
        "contracts": {recorder.contract.name: recorder.contract_truth()},
    }


def expected_outcomes(
    contract: Contract, readings: int, rows: dict[FaultKind, int]
) -> dict[str, int]:
    """Where a contract's readings must end up, given the faulty rows per kind."""
    totals = {"quarantine": 0, "flag": 0, "dead_letter": 0, "drop_duplicate": 0}
    for kind, count in rows.items():
        outcome = expectation(contract, kind).outcome
        if outcome in totals:
            totals[outcome] += count
    dead, quarantined = totals["dead_letter"], totals["quarantine"]
    return {
        "curated": readings - dead - quarantined,
        "quarantined": quarantined,
        "dead_lettered": dead,
        "duplicates_dropped": totals["drop_duplicate"],
        "flagged": totals["flag"],
    }
