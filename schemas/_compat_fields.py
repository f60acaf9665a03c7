"""Per-field comparison of two contract versions (used by ``diff_contracts``).

The guiding question for every attribute: is every reading that was valid
under the old field still valid under the new one, stored the same way?
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from schemas._change import Change, ChangeClass, ChangeKind
from schemas._duration import parse_duration
from schemas._model import FieldSpec
from schemas._units import units_equivalent

__all__ = ["diff_field", "same_shape"]

_C = ChangeClass
_K = ChangeKind
_NARROWING = {("float64", "int64"), ("string", "enum"), ("us", "ms")}


def same_shape(old: FieldSpec, new: FieldSpec) -> bool:
    """True when two fields differ at most in documentation (a rename candidate)."""
    return old.model_copy(update={"description": new.description}) == new


def diff_field(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    """Every classified difference between two versions of one field."""
    for compare in _COMPARATORS:
        yield from compare(name, old, new)


def _change(
    name: str, attr: str, kind: ChangeKind, cls: ChangeClass, why: str, old: Any, new: Any
) -> Change:
    return Change(f"fields.{name}.{attr}", kind, cls, why, old, new, name)


def _type(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    if old.type == new.type:
        return
    if (old.type, new.type) == ("enum", "string"):
        why = "enum widened to string: every old value is still valid, Arrow type stays string"
        yield _change(name, "type", _K.TYPE_WIDENED, _C.COMPATIBLE, why, old.type, new.type)
        return
    verb = "narrows" if (old.type, new.type) in _NARROWING else "changes"
    why = f"{verb} the type {old.type} -> {new.type}; old readings and Parquet files no longer fit"
    yield _change(name, "type", _K.TYPE_CHANGED, _C.BREAKING, why, old.type, new.type)


def _precision(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    before, after = old.precision or "ms", new.precision or "ms"
    if old.type == new.type == "timestamp" and before != after:
        why = f"timestamp precision {before} -> {after} changes the Arrow type of stored data"
        yield _change(name, "precision", _K.TYPE_CHANGED, _C.BREAKING, why, before, after)


def _nullable(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    if old.nullable and not new.nullable:
        why = "nullable field made required: old readings with null or no value become invalid"
        yield _change(name, "nullable", _K.NULLABLE_TIGHTENED, _C.BREAKING, why, True, False)
    elif new.nullable and not old.nullable:
        why = "required field made nullable: every old reading stays valid"
        yield _change(name, "nullable", _K.NULLABLE_RELAXED, _C.COMPATIBLE, why, False, True)


def _bound(name: str, attr: str, old: float | None, new: float | None) -> Iterator[Change]:
    if old == new:
        return
    lower = attr == "min"
    if new is None or (old is not None and (new < old if lower else new > old)):
        why = f"{attr} {old} -> {new} widens the range: old values stay valid"
        yield _change(name, attr, _K.RANGE_WIDENED, _C.COMPATIBLE, why, old, new)
    else:
        why = f"{attr} {old} -> {new} tightens the range: old values may fall outside"
        yield _change(name, attr, _K.RANGE_TIGHTENED, _C.BREAKING, why, old, new)


def _range(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    yield from _bound(name, "min", old.min, new.min)
    yield from _bound(name, "max", old.max, new.max)


def _values(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    before, after = set(old.values or ()), set(new.values or ())
    if old.type != "enum" or new.type != "enum" or before == after:
        return
    if removed := sorted(before - after):
        why = f"values {removed} removed: old readings using them become invalid"
        yield _change(name, "values", _K.VALUES_REMOVED, _C.BREAKING, why, old.values, new.values)
    if added := sorted(after - before):
        why = f"values {added} added: every old value is still allowed"
        yield _change(name, "values", _K.VALUES_ADDED, _C.COMPATIBLE, why, old.values, new.values)


def _pattern(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    if old.pattern == new.pattern:
        return
    if new.pattern is None:
        why = "pattern removed: every old value is still valid"
        yield _change(name, "pattern", _K.PATTERN_RELAXED, _C.COMPATIBLE, why, old.pattern, None)
        return
    why = "pattern added or changed: old values are not guaranteed to match it"
    yield _change(name, "pattern", _K.PATTERN_CHANGED, _C.BREAKING, why, old.pattern, new.pattern)


def _unit(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    if old.unit == new.unit:
        return
    if old.unit is not None and new.unit is not None and units_equivalent(old.unit, new.unit):
        why = f"unit {old.unit} respelled {new.unit}: same unit, values unchanged"
        yield _change(name, "unit", _K.UNIT_RESPELLED, _C.DOCS, why, old.unit, new.unit)
        return
    why = f"unit {old.unit} -> {new.unit}: the same number now means a different quantity"
    yield _change(name, "unit", _K.UNIT_CHANGED, _C.BREAKING, why, old.unit, new.unit)


def _classification(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    before, after = (old.classification, old.personal), (new.classification, new.personal)
    if before == after:
        return
    if new.classification > old.classification or (new.personal and not old.personal):
        why = "grading raised: releases now mask the field, consumers lose access"
        yield _change(
            name, "classification", _K.CLASSIFICATION_RAISED, _C.BREAKING, why, before, after
        )
    else:
        why = "grading lowered: the field becomes visible in more releases (owner approval needed)"
        yield _change(
            name, "classification", _K.CLASSIFICATION_LOWERED, _C.COMPATIBLE, why, before, after
        )


def _masking(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    if old.masking == new.masking or old.masking is None:
        return
    if new.masking == "drop":
        why = "masking now drops the field: releases lose the pseudonymised column"
        yield _change(
            name, "masking", _K.MASKING_CHANGED, _C.BREAKING, why, old.masking, new.masking
        )
    else:
        why = f"masking {old.masking} -> {new.masking}: releases keep at least as much"
        yield _change(
            name, "masking", _K.MASKING_CHANGED, _C.COMPATIBLE, why, old.masking, new.masking
        )


def _description(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    if old.description != new.description:
        why = "description changed: documentation only"
        yield _change(name, "description", _K.DESCRIPTION_CHANGED, _C.DOCS, why, None, None)


def _rules(name: str, old: FieldSpec, new: FieldSpec) -> Iterator[Change]:
    for attr, strictness in _RULE_STRICTNESS.items():
        before, after = getattr(old, attr), getattr(new, attr)
        if before == after:
            continue
        tighter = strictness(before, after)
        kind = _K.RULE_TIGHTENED if tighter else _K.RULE_RELAXED
        cls = _C.BREAKING if tighter else _C.COMPATIBLE
        effect = "old readings may now fail it" if tighter else "old readings still pass"
        why = f"{attr} {before} -> {after}: {'tighter' if tighter else 'looser'} rule, {effect}"
        yield _change(name, attr, kind, cls, why, before, after)


def _seconds(duration: str | None) -> float:
    return float("inf") if duration is None else parse_duration(duration).total_seconds()


def _limit_tighter(before: Any, after: Any) -> bool:
    """For max_gap, stuck_after, freshness: a smaller limit (or a new one) is tighter."""
    as_number = _seconds if isinstance(before or after, str) else _count
    return bool(as_number(after) < as_number(before))


def _count(value: int | None) -> float:
    return float("inf") if value is None else float(value)


def _reset_tighter(before: float | None, after: float | None) -> bool:
    """A lower reset threshold (or none) treats more drops as violations."""
    return (after is None) or (before is not None and after < before)


def _group_tighter(before: Any, after: Any) -> bool:
    """A changed or new monotonic group is tighter; removing it is looser."""
    return after is not None


_RULE_STRICTNESS: dict[str, Callable[[Any, Any], bool]] = {
    "monotonic_per": _group_tighter,
    "reset_below": _reset_tighter,
    "max_gap": _limit_tighter,
    "stuck_after": _limit_tighter,
    "freshness": _limit_tighter,
}

_COMPARATORS = (
    _type,
    _precision,
    _nullable,
    _range,
    _values,
    _pattern,
    _unit,
    _classification,
    _masking,
    _rules,
    _description,
)
