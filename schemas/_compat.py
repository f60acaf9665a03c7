"""Compatibility between two versions of a contract.

``diff_contracts`` lists every change with its class and reason;
``check_version_bump`` says whether the new version number matches them:
docs-only changes need a patch bump, compatible ones a minor bump, and a
breaking change a new major (which is a new Kafka topic).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from schemas._change import Bump, Change, ChangeClass, ChangeKind
from schemas._compat_fields import diff_field, same_shape
from schemas._duration import parse_duration
from schemas._model import Contract
from schemas._rules import DEFAULT_MAX_CLOCK_SKEW
from schemas._vocabulary import SecurityLevel

__all__ = ["BumpCheck", "check_version_bump", "diff_contracts", "required_bump", "version_bump"]

_C = ChangeClass
_K = ChangeKind
_DOC_ATTRIBUTES = (
    *("title", "description", "owner", "scenario", "data_domain", "retention"),
    "quality_threshold",  # when stewards are told; no reading's verdict changes
)
_LAYOUT_ATTRIBUTES = ("key", "ordering", "sequenced", "event_time", "partition_by", "partitions")
_DECODING_ATTRIBUTES = ("unknown_fields", "event_time_encoding", "timezone")


@dataclass(frozen=True)
class BumpCheck:
    """Whether a version bump matches the changes it carries."""

    ok: bool
    required: Bump
    actual: Bump
    changes: tuple[Change, ...]
    reason: str


def diff_contracts(old: Contract, new: Contract) -> list[Change]:
    """Every difference between two contract versions, classified and explained."""
    changes = list(_diff_contract(old, new))
    changes.extend(_diff_fields(old, new))
    return changes


def required_bump(changes: list[Change] | tuple[Change, ...]) -> Bump:
    """The smallest version bump that covers every change."""
    return max((c.change_class.bump for c in changes), key=lambda b: b.rank, default=Bump.NONE)


def version_bump(old: Contract, new: Contract) -> Bump | None:
    """Which part of the version went up; None if it went down or nowhere while changed."""
    (a, b, c), (x, y, z) = old.version_tuple, new.version_tuple
    if x != a:
        return Bump.MAJOR if x > a else None
    if y != b:
        return Bump.MINOR if y > b else None
    if z != c:
        return Bump.PATCH if z > c else None
    return Bump.NONE


def check_version_bump(old: Contract, new: Contract) -> BumpCheck:
    """Check that ``new``'s version bump over ``old`` is at least what its changes need."""
    changes = tuple(diff_contracts(old, new))
    required, actual = required_bump(changes), version_bump(old, new)
    if actual is None:
        reason = f"version goes backwards: {old.version} -> {new.version}"
        return BumpCheck(False, required, Bump.NONE, changes, reason)
    if actual.rank < required.rank:
        reason = f"{required} bump needed, got {actual} ({old.version} -> {new.version})"
        if required is Bump.MAJOR:
            reason += f"; a breaking change needs version {old.major + 1}.0.0 and a new topic"
        return BumpCheck(False, required, actual, changes, reason)
    return BumpCheck(True, required, actual, changes, f"{actual} bump covers the {required} needed")


def _diff_contract(old: Contract, new: Contract) -> Iterator[Change]:
    if old.name != new.name:
        why = "a different name is a different dataset and topic"
        yield Change("name", _K.NAME_CHANGED, _C.BREAKING, why, old.name, new.name)
    for attr in _DOC_ATTRIBUTES:
        if getattr(old, attr) != getattr(new, attr):
            why = f"{attr} changed: documentation and operations only, readings unaffected"
            yield Change(attr, _K.METADATA_CHANGED, _C.DOCS, why)
    for attr in _LAYOUT_ATTRIBUTES:
        before, after = getattr(old, attr), getattr(new, attr)
        if before != after:
            why = f"{attr} changed: keys, ordering or Kafka/Parquet partitioning of data change"
            yield Change(attr, _K.LAYOUT_CHANGED, _C.BREAKING, why, before, after)
    for attr in _DECODING_ATTRIBUTES:
        before, after = getattr(old, attr), getattr(new, attr)
        if before != after:
            why = f"{attr} {before} -> {after}: the same message decodes to another reading or none"
            yield Change(attr, _K.DECODING_CHANGED, _C.BREAKING, why, before, after)
    yield from _diff_security(old, new)
    yield from _diff_identity(old, new)
    for attr, default in _TIME_BOUNDS:
        yield from _diff_time_bound(attr, getattr(old, attr), getattr(new, attr), default)


def _diff_security(old: Contract, new: Contract) -> Iterator[Change]:
    levels = list(SecurityLevel)
    before, after = levels.index(old.security_level), levels.index(new.security_level)
    if after > before:
        why = "dataset graded higher: existing grants and releases no longer cover it"
        yield Change(
            "security_level",
            _K.SECURITY_RAISED,
            _C.BREAKING,
            why,
            old.security_level,
            new.security_level,
        )
    elif after < before:
        why = "dataset graded lower: more consumers may read it (owner approval needed)"
        yield Change(
            "security_level",
            _K.SECURITY_LOWERED,
            _C.COMPATIBLE,
            why,
            old.security_level,
            new.security_level,
        )


def _diff_identity(old: Contract, new: Contract) -> Iterator[Change]:
    """Requiring signatures, or a lower seq-jump bound, fails readings that passed."""
    if old.identity != new.identity:
        stricter = new.identity == "signed"
        why = f"identity {old.identity} -> {new.identity}: " + (
            "unsigned readings are now quarantined" if stricter else "unsigned readings now pass"
        )
        kind, level = (
            (_K.RULE_TIGHTENED, _C.BREAKING) if stricter else (_K.RULE_RELAXED, _C.COMPATIBLE)
        )
        yield Change("identity", kind, level, why, old.identity, new.identity)
    if old.max_seq_jump != new.max_seq_jump:
        lower = new.max_seq_jump < old.max_seq_jump
        why = f"max_seq_jump {old.max_seq_jump} -> {new.max_seq_jump}: " + (
            "tighter, old readings may fail" if lower else "looser, old readings still pass"
        )
        kind, level = (
            (_K.RULE_TIGHTENED, _C.BREAKING) if lower else (_K.RULE_RELAXED, _C.COMPATIBLE)
        )
        yield Change("max_seq_jump", kind, level, why, old.max_seq_jump, new.max_seq_jump)


# Upper bounds on a reading's lateness or lead; the value in force when the contract is silent.
_TIME_BOUNDS = (
    ("freshness", None),
    ("max_event_age", None),
    ("max_clock_skew", DEFAULT_MAX_CLOCK_SKEW),
)


def _diff_time_bound(
    attr: str, old: str | None, new: str | None, default: str | None
) -> Iterator[Change]:
    """A lower bound fails readings that passed (breaking); a higher one does not."""
    if old == new:
        return
    before, after = _bound_seconds(old, default), _bound_seconds(new, default)
    if after == before:
        why = f"{attr} {old} -> {new}: the same bound, written differently"
        yield Change(attr, _K.METADATA_CHANGED, _C.DOCS, why, old, new)
    elif after < before:
        why = f"{attr} {old} -> {new}: tighter, old readings may fail"
        yield Change(attr, _K.RULE_TIGHTENED, _C.BREAKING, why, old, new)
    else:
        why = f"{attr} {old} -> {new}: looser, old readings still pass"
        yield Change(attr, _K.RULE_RELAXED, _C.COMPATIBLE, why, old, new)


def _bound_seconds(value: str | None, default: str | None) -> float:
    chosen = value or default
    return float("inf") if chosen is None else parse_duration(chosen).total_seconds()


def _diff_fields(old: Contract, new: Contract) -> Iterator[Change]:
    removed = [n for n in old.fields if n not in new.fields]
    added = [n for n in new.fields if n not in old.fields]
    renames = _renames(old, new, removed, added)
    yield from _renamed(renames)
    yield from _removed([n for n in removed if n not in renames])
    yield from _added(new, [n for n in added if n not in renames.values()])
    for name in (n for n in old.fields if n in new.fields):
        yield from diff_field(name, old.fields[name], new.fields[name])
    yield from _reordered(old, new)


def _renames(old: Contract, new: Contract, removed: list[str], added: list[str]) -> dict[str, str]:
    """Pair each removed field with an added field of the same shape, in order."""
    pairs: dict[str, str] = {}
    for gone in removed:
        match = next(
            (
                n
                for n in added
                if n not in pairs.values() and same_shape(old.fields[gone], new.fields[n])
            ),
            None,
        )
        if match is not None:
            pairs[gone] = match
    return pairs


def _renamed(renames: dict[str, str]) -> Iterator[Change]:
    for before, after in renames.items():
        why = f"field {before!r} renamed to {after!r}: readers and old readings use the old name"
        yield Change(f"fields.{before}", _K.FIELD_RENAMED, _C.BREAKING, why, before, after, before)


def _removed(names: list[str]) -> Iterator[Change]:
    for name in names:
        why = f"field {name!r} removed: consumers lose it and old readings carry an unknown field"
        yield Change(f"fields.{name}", _K.FIELD_REMOVED, _C.BREAKING, why, name, None, name)


def _added(new: Contract, names: list[str]) -> Iterator[Change]:
    for name in names:
        if new.fields[name].nullable:
            why = f"nullable field {name!r} added: old readings without it stay valid"
            yield Change(f"fields.{name}", _K.FIELD_ADDED, _C.COMPATIBLE, why, None, name, name)
        else:
            why = f"required field {name!r} added: old readings lack it (make it nullable)"
            yield Change(f"fields.{name}", _K.FIELD_ADDED, _C.BREAKING, why, None, name, name)


def _reordered(old: Contract, new: Contract) -> Iterator[Change]:
    common_old = [n for n in old.fields if n in new.fields]
    common_new = [n for n in new.fields if n in old.fields]
    if common_old != common_new:
        why = "field order changed: columns are matched by name, documentation only"
        yield Change("fields", _K.FIELD_REORDERED, _C.DOCS, why)
