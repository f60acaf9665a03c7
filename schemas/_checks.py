"""Semantic checks of a well-formed contract: the rules pydantic cannot express.

Every check is a pure function returning ``Finding`` records (a path into the
contract document, a code, a message and a fix); the linter turns paths into
file lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from schemas._duration import parse_duration
from schemas._envelope import ENVELOPE, all_fields
from schemas._errors import LintCode
from schemas._model import Contract, FieldSpec, Ordering
from schemas._pattern import whole_value_pattern
from schemas._source import Path
from schemas._units import is_known_unit
from schemas._vocabulary import Classification, SecurityLevel

__all__ = ["Finding", "check_contract"]

_NUMERIC_TYPES = frozenset({"int64", "float64", "float64_list"})
_PARTITION_TYPES = frozenset({"string", "enum", "date", "int64"})
_LEVEL_FOR = {
    Classification.L1: SecurityLevel.GENERAL,
    Classification.L2: SecurityLevel.IMPORTANT,
    Classification.L3: SecurityLevel.CORE,
}
_LEVEL_RANK = {level: rank for rank, level in enumerate(SecurityLevel)}


@dataclass(frozen=True)
class Finding:
    """One semantic problem, located by its path in the contract document."""

    path: Path
    code: LintCode
    message: str
    fix: str
    field: str | None = None


def check_contract(contract: Contract) -> list[Finding]:
    """Return every semantic problem of ``contract``; an empty list means it is sound."""
    findings: list[Finding] = []
    for name, spec in contract.fields.items():
        findings.extend(_check_field(contract, name, spec))
    findings.extend(_check_references(contract))
    findings.extend(_check_security_level(contract))
    findings.extend(_check_timeliness(contract))
    findings.extend(_check_unsequenced(contract))
    return findings


def _check_field(contract: Contract, name: str, spec: FieldSpec) -> Iterator[Finding]:
    if name in ENVELOPE:
        yield Finding(
            ("fields", name),
            LintCode.ENVELOPE_FIELD,
            f"field {name!r} is an envelope field every reading already carries",
            f"remove it or rename it; envelope fields are {', '.join(ENVELOPE)}",
            name,
        )
    for check in (_check_unit, _check_range, _check_pattern, _check_values, _check_masking):
        yield from check(name, spec)
    yield from _check_applicability(name, spec)
    yield from _check_monotonic(contract, name, spec)


def _check_unit(name: str, spec: FieldSpec) -> Iterator[Finding]:
    if spec.unit is not None and not is_known_unit(spec.unit):
        yield Finding(
            ("fields", name, "unit"),
            LintCode.UNKNOWN_UNIT,
            f"unit {spec.unit!r} of field {name!r} is not a UCUM/SI unit",
            "write a UCUM or SI unit such as kW, kW.h, V, A, Cel, K, MPa, s, g, /min, N.m or 1",
            name,
        )


def _check_range(name: str, spec: FieldSpec) -> Iterator[Finding]:
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        yield Finding(
            ("fields", name, "min"),
            LintCode.MIN_GREATER_THAN_MAX,
            f"field {name!r} has min {spec.min} above max {spec.max}",
            "swap min and max, or correct the one that is wrong",
            name,
        )


def _check_pattern(name: str, spec: FieldSpec) -> Iterator[Finding]:
    """The pattern compiles, alone and as applied (to whole values, see ``_pattern``)."""
    if spec.pattern is None:
        return
    path: Path = ("fields", name, "pattern")
    try:
        re.compile(spec.pattern)
    except re.error as exc:
        message = f"pattern of field {name!r} is not a regular expression: {exc}"
        fix = "write a valid regular expression; it must match the whole value"
        yield Finding(path, LintCode.BAD_PATTERN, message, fix, name)
        return
    try:
        re.compile(whole_value_pattern(spec.pattern))
    except re.error as exc:
        message = f"pattern of field {name!r} cannot be applied to whole values: {exc}"
        fix = "scope inline flags to a group, e.g. (?i:abc) instead of (?i)abc"
        yield Finding(path, LintCode.BAD_PATTERN, message, fix, name)


def _check_values(name: str, spec: FieldSpec) -> Iterator[Finding]:
    if spec.type == "enum" and not spec.values:
        yield Finding(
            ("fields", name, "type"),
            LintCode.ENUM_WITHOUT_VALUES,
            f"enum field {name!r} lists no values",
            "add `values: [...]` with every allowed value",
            name,
        )


def _check_masking(name: str, spec: FieldSpec) -> Iterator[Finding]:
    if spec.restricted and spec.masking is None:
        why = "personal" if spec.personal else "L3 (core)"
        yield Finding(
            ("fields", name, "classification"),
            LintCode.MISSING_MASKING,
            f"field {name!r} is {why} but has no masking policy",
            "add `masking: drop` or `masking: pseudonymise`",
            name,
        )


# (attribute, types it applies to, what to write instead)
_APPLICABLE: tuple[tuple[str, frozenset[str], str], ...] = (
    ("unit", _NUMERIC_TYPES, "units belong to int64, float64 and float64_list fields"),
    ("min", _NUMERIC_TYPES, "ranges belong to numeric fields"),
    ("max", _NUMERIC_TYPES, "ranges belong to numeric fields"),
    ("pattern", frozenset({"string"}), "patterns belong to string fields; use values for enums"),
    ("values", frozenset({"enum"}), "values belong to enum fields; set `type: enum`"),
    ("precision", frozenset({"timestamp"}), "precision belongs to timestamp fields"),
    ("freshness", frozenset({"timestamp"}), "freshness belongs to timestamp fields"),
    ("stuck_after", frozenset({"int64", "float64", "bool", "string", "enum"}), "scalars only"),
    ("reset_below", frozenset({"int64", "float64"}), "reset_below belongs to numeric counters"),
)


def _check_applicability(name: str, spec: FieldSpec) -> Iterator[Finding]:
    for attribute, types, hint in _APPLICABLE:
        if getattr(spec, attribute) is not None and spec.type not in types:
            yield Finding(
                ("fields", name, attribute),
                LintCode.NOT_APPLICABLE,
                f"{attribute!r} does not apply to {spec.type} field {name!r}",
                f"remove {attribute!r} or change the type ({hint})",
                name,
            )


def _check_monotonic(contract: Contract, name: str, spec: FieldSpec) -> Iterator[Finding]:
    path: Path = ("fields", name, "monotonic_per")
    if spec.monotonic_per is None:
        if spec.reset_below is not None:
            yield Finding(
                ("fields", name, "reset_below"),
                LintCode.NOT_APPLICABLE,
                f"field {name!r} sets reset_below without monotonic_per",
                "add `monotonic_per: device_id` or remove reset_below",
                name,
            )
        return
    if spec.type not in ("int64", "float64"):
        yield Finding(
            path,
            LintCode.NOT_APPLICABLE,
            f"monotonic counter {name!r} must be int64 or float64, not {spec.type}",
            "remove monotonic_per or change the type",
            name,
        )
    yield from _check_reference(contract, path, spec.monotonic_per, None)


def _check_references(contract: Contract) -> Iterator[Finding]:
    for i, key in enumerate(contract.key):
        yield from _check_reference(contract, ("key", i), key, None)
        yield from _check_nullable_key(contract, i, key)
    yield from _check_reference(
        contract, ("ordering", "producer"), contract.ordering.producer, {"string"}
    )
    yield from _check_reference(
        contract, ("ordering", "sequence"), contract.ordering.sequence, {"int64"}
    )
    yield from _check_reference(contract, ("event_time",), contract.event_time, {"timestamp"})
    for i, part in enumerate(contract.partition_by):
        yield from _check_partition(contract, i, part, contract.partition_by[:i])


def _check_reference(
    contract: Contract, path: Path, name: str, types: set[str] | frozenset[str] | None
) -> Iterator[Finding]:
    fields = all_fields(contract)
    if name not in fields:
        yield Finding(
            path,
            LintCode.UNKNOWN_FIELD,
            f"{'.'.join(map(str, path))} refers to {name!r}, which is not a field",
            f"use one of the fields: {', '.join(fields)}",
            name,
        )
    elif types is not None and fields[name].type not in types:
        yield Finding(
            path,
            LintCode.WRONG_FIELD_TYPE,
            f"{'.'.join(map(str, path))} needs a {'/'.join(sorted(types))} field, "
            f"{name!r} is {fields[name].type}",
            f"point it at a field of type {'/'.join(sorted(types))}",
            name,
        )


def _check_partition(
    contract: Contract, index: int, part: str, before: tuple[str, ...]
) -> Iterator[Finding]:
    """Each entry is one curated folder level: named once, with a value on every row."""
    path: Path = ("partition_by", index)
    if part in before:
        yield Finding(
            path,
            LintCode.INVALID_VALUE,
            f"partition_by names {part!r} twice",
            "list each partition once",
            part,
        )
    elif part == "date" and "date" in contract.fields:
        yield Finding(
            path,
            LintCode.INVALID_VALUE,
            "partition_by `date` is the UTC date of the event time, and a field is also "
            "called 'date': readers would show the folder's value in place of the field's",
            "rename the field `date`",
            part,
        )
    elif part != "date":
        yield from _check_reference(contract, path, part, _PARTITION_TYPES)
        spec = all_fields(contract).get(part)
        if spec is not None and spec.nullable:
            yield Finding(
                ("fields", part, "nullable") if part in contract.fields else path,
                LintCode.NULLABLE_PARTITION,
                f"partition field {part!r} is nullable: a row without it has no folder",
                "set `nullable: false` on it, or take it out of `partition_by`",
                part,
            )


def _check_nullable_key(contract: Contract, index: int, key: str) -> Iterator[Finding]:
    spec = all_fields(contract).get(key)
    if spec is not None and spec.nullable:
        yield Finding(
            ("fields", key, "nullable") if key in contract.fields else ("key", index),
            LintCode.NULLABLE_KEY,
            f"key field {key!r} is nullable",
            "set `nullable: false` on it, or take it out of `key`",
            key,
        )


def _check_security_level(contract: Contract) -> Iterator[Finding]:
    highest = max((spec.classification for spec in contract.fields.values()), default=None)
    if highest is None:
        return
    needed = _LEVEL_FOR[highest]
    if _LEVEL_RANK[contract.security_level] < _LEVEL_RANK[needed]:
        yield Finding(
            ("security_level",),
            LintCode.SECURITY_LEVEL_TOO_LOW,
            f"security_level {contract.security_level} is below its {highest} fields",
            f"set `security_level: {needed}`",
        )


def _check_timeliness(contract: Contract) -> Iterator[Finding]:
    """``freshness`` warns of a late reading, ``max_event_age`` quarantines a stale one:
    the warning's bound must lie below the quarantine's, or it can never be seen."""
    age, fresh = contract.max_event_age, contract.freshness
    if age is None or fresh is None or parse_duration(age) > parse_duration(fresh):
        return
    yield Finding(
        ("max_event_age",),
        LintCode.INVALID_VALUE,
        f"max_event_age {age} is not above freshness {fresh}: a late reading would be "
        "quarantined as stale before it could be flagged as late",
        f"set max_event_age above {fresh}, or lower freshness",
    )


def _check_unsequenced(contract: Contract) -> Iterator[Finding]:
    """An unsequenced source numbers nothing, so an ordering it declares would be ignored."""
    if contract.sequenced or contract.ordering == Ordering():
        return
    yield Finding(
        ("ordering",),
        LintCode.NOT_APPLICABLE,
        "ordering does not apply to an unsequenced source (sequenced: false): its readings "
        "are told apart by key and event time",
        "remove `ordering`, or set `sequenced: true` if the source numbers its readings",
    )
