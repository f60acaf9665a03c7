"""One reading against its contract's row rules, without Great Expectations: for ``probe``.

The pipeline's validators judge readings downstream; a gateway only needs to know, before it
sends anything, which rules a sample would fail. Row rules (type, not null, pattern, allowed
values, range, earliest, clock skew, age, freshness) are judged here with the contract's own
rule list; stream and dataset rules (monotonic, gaps, stuck, unique) need many readings and
are left to the pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas import (
    AllowedValuesRule,
    ClockSkewRule,
    Contract,
    EarliestRule,
    EventAgeRule,
    FreshnessRule,
    NotNullRule,
    PatternRule,
    RangeRule,
    Rule,
    TypeRule,
    compile_rules,
)

__all__ = ["Verdict", "judge"]

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "enum": (str,),
    "int64": (int,),
    "float64": (int, float),
    "bool": (bool,),
    "timestamp": (datetime, str),
    "date": (str,),
    "binary_ref": (dict, str),
    "float64_list": (list,),
}


@dataclass(frozen=True)
class Verdict:
    """A rule the reading fails: its id (``range:voltage_l1``), severity and why."""

    rule: str
    severity: str
    problem: str


def judge(contract: Contract, row: dict[str, Any]) -> list[Verdict]:
    """The row rules of ``contract`` that ``row`` (envelope and values) fails."""
    failed = []
    for rule in compile_rules(contract):
        problem = _problem(rule, row)
        if problem is not None:
            failed.append(Verdict(rule.rule_id, str(rule.severity), problem))
    return failed


def _problem(rule: Rule, row: dict[str, Any]) -> str | None:
    value = row.get(rule.field)
    if isinstance(rule, NotNullRule):
        return "missing or null" if value is None else None
    if value is None:
        return None  # the not_null rule speaks for it
    match rule:
        case TypeRule(type=wanted):
            return _type(wanted, value)
        case PatternRule(pattern=pattern):
            return None if re.fullmatch(pattern, str(value)) else f"{value!r} !~ {pattern}"
        case AllowedValuesRule(values=values):
            return None if value in values else f"{value!r} not in {list(values)}"
        case RangeRule():
            return _range(rule, value)
    return _time(rule, value, row)


def _type(wanted: str, value: Any) -> str | None:
    fits = isinstance(value, _TYPES.get(wanted, (object,)))
    if wanted in ("int64", "float64") and isinstance(value, bool):
        fits = False
    return None if fits else f"{type(value).__name__} {value!r} is not {wanted}"


def _range(rule: RangeRule, value: Any) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None  # the type rule speaks for it
    unit = f" {rule.unit}" if rule.unit else ""
    if (rule.min is not None and value < rule.min) or (rule.max is not None and value > rule.max):
        return f"{value}{unit} outside [{rule.min}, {rule.max}]"
    return None


def _time(rule: Rule, value: Any, row: dict[str, Any]) -> str | None:
    if not isinstance(value, datetime):
        return None
    match rule:
        case EarliestRule(earliest=earliest):
            floor = datetime.fromisoformat(earliest)
            return f"{value.isoformat()} is before {earliest}" if value < floor else None
        case ClockSkewRule(tolerance_seconds=limit):
            ahead = (value - row["ingest_time"]).total_seconds()
            return f"{ahead:.0f}s ahead of the gateway's clock" if ahead > limit else None
        case EventAgeRule(max_age_seconds=limit) | FreshnessRule(max_lag_seconds=limit):
            age = (row["ingest_time"] - value).total_seconds()
            return f"{age:.0f}s old, more than {limit:.0f}s" if age > limit else None
    return None
