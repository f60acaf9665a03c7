"""Which field each fault kind hits in a contract, and what the pipeline must do about it.

The table is data: ``expectation(contract, kind)`` says which rule (a ``schemas`` rule id
such as ``range:current_l1``, or a dead-letter reason) a fault must trip, its quality
dimension, and the outcome per faulty reading (quarantine, flag and keep, dead-letter,
drop as a duplicate, or accept untouched). Fields are chosen by pure rules over the
contract so that a fault trips its own rule and no other:

* out_of_range, wrong_type: the first float field with bounds that no stream rule reads;
* missing_field: the first required field outside the key that no stream rule reads;
* stuck: the field with the smallest ``stuck_after``;
* counter_reset, legitimate_reset: the field with ``monotonic_per`` (and ``reset_below``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from producers.simulator._config import FaultKind
from producers.simulator._errors import FaultNotSupportedError
from schemas import Contract, FieldSpec

__all__ = ["Expectation", "Outcome", "expectation", "supported_kinds", "target_field"]

Outcome = Literal["quarantine", "flag", "dead_letter", "drop_duplicate", "accept"]

# kind -> (rule kind or dead-letter reason, GB/T 36344 dimension, outcome, needs a field)
_TABLE: dict[FaultKind, tuple[str, str | None, Outcome, bool]] = {
    FaultKind.OUT_OF_RANGE: ("range", "accuracy", "quarantine", True),
    FaultKind.STUCK: ("stuck", "accuracy", "flag", True),
    FaultKind.MISSING_FIELD: ("not_null", "completeness", "quarantine", True),
    FaultKind.WRONG_TYPE: ("dead_letter:type_mismatch", "normative", "dead_letter", True),
    FaultKind.DUPLICATE: ("unique:producer_id+seq", "consistency", "drop_duplicate", False),
    FaultKind.CORRUPT: ("dead_letter:invalid_json", "normative", "dead_letter", False),
    FaultKind.LATE: ("freshness:event_time", "timeliness", "flag", False),
    FaultKind.OUT_OF_ORDER: ("none", None, "accept", False),
    FaultKind.CLOCK_SKEW: ("future:event_time", "timeliness", "quarantine", False),
    FaultKind.COUNTER_RESET: ("monotonic", "consistency", "quarantine", True),
    FaultKind.LEGITIMATE_RESET: ("none", None, "accept", True),
}


@dataclass(frozen=True)
class Expectation:
    """What one fault kind must do downstream in one contract."""

    kind: FaultKind
    rule: str
    dimension: str | None
    outcome: Outcome
    field: str | None = None
    must_not_trip: str | None = None  # a rule that must stay silent (legitimate resets)


def expectation(contract: Contract, kind: FaultKind) -> Expectation:
    """The expected downstream effect of ``kind`` in ``contract``; raise if it cannot apply."""
    rule, dimension, outcome, needs_field = _TABLE[kind]
    name = target_field(contract, kind) if needs_field else None
    if needs_field and rule in ("range", "stuck", "not_null", "monotonic"):
        rule = f"{rule}:{name}"
    quiet = f"monotonic:{name}" if kind is FaultKind.LEGITIMATE_RESET else None
    return Expectation(kind, rule, dimension, outcome, name, quiet)


def supported_kinds(contract: Contract) -> list[FaultKind]:
    """The fault kinds ``contract`` can carry (it may lack a counter or a stuck rule)."""
    return [k for k in FaultKind if not _TABLE[k][3] or _pick(contract, k) is not None]


def target_field(contract: Contract, kind: FaultKind) -> str:
    """The field a fault of ``kind`` alters in ``contract``."""
    name = _pick(contract, kind)
    if name is None:
        raise FaultNotSupportedError(contract.name, kind, supported_kinds(contract))
    return name


def _pick(contract: Contract, kind: FaultKind) -> str | None:
    fields = contract.fields
    quiet = {n: s for n, s in fields.items() if not _streamed(s) and n not in contract.key}
    if kind in (FaultKind.OUT_OF_RANGE, FaultKind.WRONG_TYPE):
        return _first(
            n for n, s in quiet.items() if s.type == "float64" and _bounded(s) and not s.nullable
        )
    if kind is FaultKind.MISSING_FIELD:
        return _first(n for n, s in quiet.items() if not s.nullable)
    if kind is FaultKind.STUCK:
        stuck = [(s.stuck_after, n) for n, s in fields.items() if s.stuck_after is not None]
        return min(stuck)[1] if stuck else None
    if kind is FaultKind.LEGITIMATE_RESET:
        return _first(n for n, s in fields.items() if s.monotonic_per and s.reset_below is not None)
    return _first(n for n, s in fields.items() if s.monotonic_per)


def _streamed(spec: FieldSpec) -> bool:
    return any(x is not None for x in (spec.monotonic_per, spec.max_gap, spec.stuck_after))


def _bounded(spec: FieldSpec) -> bool:
    return spec.min is not None and spec.max is not None


def _first(names: object) -> str | None:
    return next(iter(names), None)  # type: ignore[call-overload]
