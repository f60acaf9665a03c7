"""Can a run carry the faults it is asked for? Checked before the first reading is made.

Each check raises with what to change: a contract that lacks the field a kind needs, a
timing that makes a kind impossible (an out-of-order reading that could not stay fresh,
a clock skew longer than the run), a dropped reading that would open a ``max_gap``, or
more faults than isolated places for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from producers.simulator._config import FaultKind, SimulatorConfig
from producers.simulator._errors import (
    FaultCapacityError,
    FaultNotSupportedError,
    SimulatorError,
)
from producers.simulator._expectations import expectation, supported_kinds
from producers.simulator._inject import MAX_LATENCY_MS, freshness_ms
from schemas import Contract, parse_duration

if TYPE_CHECKING:
    from producers.simulator._inject import Injector

__all__ = ["check_feasible", "check_placed"]

_DROPPED = (FaultKind.WRONG_TYPE, FaultKind.CORRUPT)
Kinds = dict[FaultKind, int]


def check_feasible(contract: Contract, config: SimulatorConfig, injector: Injector) -> None:
    """Raise ``FaultNotSupportedError`` or ``FaultCapacityError`` if the faults cannot fit."""
    requested = config.requested()
    for kind in requested:
        expectation(contract, kind)
    _check_rate(contract, config)
    _check_freshness(contract, config, requested)
    _check_skew(contract, config, requested)
    _check_gaps(contract, config, requested)
    _check_room(contract, config, requested, injector)


def _check_freshness(
    contract: Contract, config: SimulatorConfig, kinds: dict[FaultKind, int]
) -> None:
    fresh = freshness_ms(contract)
    if FaultKind.LATE in kinds and fresh is None:
        raise FaultNotSupportedError(contract.name, FaultKind.LATE, _without_late(contract))
    worst = config.step_ms + MAX_LATENCY_MS + 51  # an out-of-order reading's largest lag
    if FaultKind.OUT_OF_ORDER in kinds and fresh is not None and worst >= fresh:
        why = f"one step ({config.step_ms} ms) late it would miss the {fresh} ms freshness"
        raise _capacity(contract, FaultKind.OUT_OF_ORDER, kinds, why + "; raise the rate")


def _check_rate(contract: Contract, config: SimulatorConfig) -> None:
    """Healthy readings must not trip ``max_gap``: one step must fit inside every gap."""
    for name, spec in contract.fields.items():
        if spec.max_gap and config.step_ms > parse_duration(spec.max_gap).total_seconds() * 1000:
            raise SimulatorError(
                f"{contract.name}: one reading every {config.step_ms} ms breaks the max_gap"
                f" of {name} ({spec.max_gap}); raise the rate"
            )


def _without_late(contract: Contract) -> list[FaultKind]:
    return [k for k in supported_kinds(contract) if k is not FaultKind.LATE]


def _check_skew(contract: Contract, config: SimulatorConfig, kinds: Kinds) -> None:
    if FaultKind.CLOCK_SKEW not in kinds or not config.live:
        return  # a batch run may stamp ingest times before its start; a live one cannot
    usable = config.per_device - 2 - config.skew_ms // config.step_ms
    if usable * config.devices < kinds[FaultKind.CLOCK_SKEW] * 2:
        why = f"only readings later than start + clock_skew ({config.clock_skew}) can be skewed"
        raise _capacity(contract, FaultKind.CLOCK_SKEW, kinds, why + "; lengthen the run")


def _check_gaps(contract: Contract, config: SimulatorConfig, kinds: Kinds) -> None:
    if not any(k in kinds for k in _DROPPED):
        return
    for name, spec in contract.fields.items():
        if spec.max_gap is None:
            continue
        gap_ms = parse_duration(spec.max_gap).total_seconds() * 1000
        if 2 * config.step_ms > gap_ms:
            kind = next(k for k in _DROPPED if k in kinds)
            why = (
                f"a dead-lettered reading would leave a {2 * config.step_ms} ms gap in {name}"
                f" (max_gap {spec.max_gap})"
            )
            raise _capacity(contract, kind, kinds, why + "; raise the rate")


def _check_room(contract: Contract, config: SimulatorConfig, kinds: dict[FaultKind, int],
                injector: Injector) -> None:  # fmt: skip
    need = sum((injector.run_length(k) + 1) * n for k, n in kinds.items())
    if need * 2 > config.total:
        why = (
            f"{need} readings taken by faults and their neighbours; at most half of {config.total}"
        )
        raise _capacity(contract, max(kinds, key=lambda k: kinds[k]), kinds, why)
    if FaultKind.STUCK in kinds and injector.run_length(FaultKind.STUCK) + 2 > config.per_device:
        why = f"a stuck run needs {injector.run_length(FaultKind.STUCK) + 2} readings per device"
        raise _capacity(contract, FaultKind.STUCK, kinds, why)


def check_placed(contract: Contract, config: SimulatorConfig, left: dict[FaultKind, int]) -> None:
    """Raise if any requested fault found no eligible place during the run."""
    for kind, missing in left.items():
        if missing:
            requested = config.requested()[kind]
            why = "no eligible reading was left (too few readings, or none fits the kind)"
            raise FaultCapacityError(contract.name, kind, requested - missing, requested, why)


def _capacity(
    contract: Contract, kind: FaultKind, kinds: dict[FaultKind, int], why: str
) -> FaultCapacityError:
    return FaultCapacityError(contract.name, kind, 0, kinds.get(kind, 0), why)
