"""Validation result + table -> curated rows, quarantined rows and per-rule counts (pure).

A row fails a check when the check's result lists it in ``unexpected_index_list``
(by its ``_row`` identity). A row with an error-severity failure is quarantined;
one with only warnings stays curated and is counted. A value of the wrong type
(or unit) fails its ``type:`` rule only: the same field's other checks do not
also blame that row, so a row with one fault is attributed to exactly one rule.
Likewise an event time before the floor (a reset clock) fails ``earliest:`` only,
not also the age rules that measure it against its ingest time, and a reading too
old to keep fails ``max_age:`` only, not also the ``freshness:`` warning.

The quarantine table is the input rows as they came in (bad values kept
verbatim) plus ``failed_rules`` (list of rule ids), ``failed_dimensions`` (the
GB/T 36344 dimension of each, same order), ``severity`` (the worst: ``error``)
and ``reason`` (简体中文, then English).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from schemas import Severity
from validators._checks import ROW, Check
from validators._errors import ExpectationRunError, ResultShapeError
from validators._wording import reason

__all__ = ["Failure", "RowSplit", "RuleCount", "SplitSummary", "row_failures", "split_rows"]

QUARANTINE_COLUMNS = ("failed_rules", "failed_dimensions", "severity", "reason")


@dataclass(frozen=True)
class Failure:
    """One row failing one check, with the value GX reported for it."""

    row: int
    check: Check
    value: Any


@dataclass(frozen=True)
class RuleCount:
    """How many rows one rule checked and how many of them failed it."""

    rule_id: str
    kind: str
    dimension: str
    severity: str
    checked: int
    failed: int


@dataclass(frozen=True)
class SplitSummary:
    """Row counts of one batch and per-rule counts (JSON-serialisable via ``to_dict``)."""

    rows: int
    passing: int
    quarantined: int
    warned: int
    rules: tuple[RuleCount, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data."""
        return asdict(self)


@dataclass(frozen=True)
class RowSplit:
    """Curated rows (contract schema), quarantined rows (input columns + reasons) and counts."""

    passing: pa.Table
    quarantined: pa.Table
    summary: SplitSummary


def _results(result: Mapping[str, Any], checks: tuple[Check, ...]) -> Iterator[tuple[Check, dict]]:
    """Each expectation result with the check it came from (matched by meta.rule_id)."""
    by_rule = {check.rule_id: check for check in checks}
    for item in result.get("results", ()):
        rule_id = item["expectation_config"]["meta"]["rule_id"]
        if item.get("exception_info", {}).get("raised_exception"):
            message = str(item["exception_info"].get("exception_message"))
            raise ExpectationRunError(str(result.get("suite_name")), rule_id, message)
        yield by_rule[rule_id], item


def row_failures(result: Mapping[str, Any], checks: tuple[Check, ...]) -> list[Failure]:
    """Every (row, check) failure of a COMPLETE result; a type failure masks its field's others."""
    failures: list[Failure] = []
    for check, item in _results(result, checks):
        if item["success"]:
            continue
        unexpected = item["result"].get("unexpected_index_list")
        if unexpected is None:
            raise ResultShapeError(check.rule_id, "unexpected_index_list")
        failures.extend(Failure(int(e[ROW]), check, e.get(check.column)) for e in unexpected)
    return _mask_overlaps(failures)


# kind -> the kinds its failure masks on the same row and field (None: every other kind)
_MASKS: dict[str, frozenset[str] | None] = {
    "type": None,
    "earliest": frozenset({"max_age", "freshness"}),
    "max_age": frozenset({"freshness"}),
}


def _mask_overlaps(failures: list[Failure]) -> list[Failure]:
    """Drop the failures a more basic failure of the same value explains (module docstring)."""
    masking = {(f.row, f.check.field, f.check.kind) for f in failures if f.check.kind in _MASKS}
    return [f for f in failures if len(f.check.fields) > 1 or not _masked(f, masking)]


def _masked(failure: Failure, masking: set[tuple[int, str, str]]) -> bool:
    row, name, kind = failure.row, failure.check.field, failure.check.kind
    return any(
        other != kind and (row, name, other) in masking and (masks is None or kind in masks)
        for other, masks in _MASKS.items()
    )


def split_rows(
    result: Mapping[str, Any], checks: tuple[Check, ...], table: pa.Table, curated: pa.Table
) -> RowSplit:
    """Split a batch: ``table`` is the input, ``curated`` the same rows in contract types."""
    failures = row_failures(result, checks)
    by_row: dict[int, list[Failure]] = defaultdict(list)
    for failure in failures:
        by_row[failure.row].append(failure)
    errors = sorted(r for r, fs in by_row.items() if any(_is_error(f) for f in fs))
    keep = np.ones(table.num_rows, dtype=bool)
    keep[errors] = False
    summary = SplitSummary(
        rows=table.num_rows,
        passing=int(keep.sum()),
        quarantined=len(errors),
        warned=sum(1 for r in by_row if keep[r]),
        rules=_rule_counts(result, checks, failures),
    )
    passing = curated.filter(pa.array(keep)) if errors else curated  # a clean batch: no copy
    return RowSplit(passing, _quarantine(table, errors, by_row), summary)


def _is_error(failure: Failure) -> bool:
    return failure.check.severity is Severity.ERROR


def _quarantine(table: pa.Table, rows: list[int], by_row: Mapping[int, list[Failure]]) -> pa.Table:
    chosen = table.take(pa.array(rows, type=pa.int64()))
    found = [by_row[r] for r in rows]
    return with_quarantine_columns(
        chosen,
        [[(f.check.rule_id, str(f.check.dimension)) for f in fs] for fs in found],
        [[reason(f.check, f.value) for f in fs] for fs in found],
    )


def with_quarantine_columns(
    rows: pa.Table, failed: list[list[tuple[str, str]]], reasons: list[list[tuple[str, str]]]
) -> pa.Table:
    """Quarantined rows with the columns every quarantine table has (`QUARANTINE_COLUMNS`).

    ``failed`` holds each row's (rule id, GB/T 36344 dimension) pairs, ``reasons`` its
    (zh, en) reasons; the ``reason`` column is the Chinese texts, then the English ones.
    This is the one place the columns are made, for the validators' rules and the
    pipeline's own (a sequence reset) alike.
    """
    extra = {
        "failed_rules": pa.array([[r for r, _ in fs] for fs in failed], pa.list_(pa.string())),
        "failed_dimensions": pa.array([[d for _, d in fs] for fs in failed], pa.list_(pa.string())),
        "severity": pa.array([str(Severity.ERROR)] * rows.num_rows, pa.string()),
        "reason": pa.array([_bilingual(texts) for texts in reasons], pa.string()),
    }
    for name, column in extra.items():
        rows = rows.append_column(name, column)
    return rows


def _bilingual(texts: list[tuple[str, str]]) -> str:
    return "；".join(zh for zh, _ in texts) + " / " + "; ".join(en for _, en in texts)


def _rule_counts(
    result: Mapping[str, Any], checks: tuple[Check, ...], failures: list[Failure]
) -> tuple[RuleCount, ...]:
    failed: dict[str, int] = defaultdict(int)
    for failure in failures:
        failed[failure.check.rule_id] += 1
    counts = []
    for check, item in _results(result, checks):
        stats = item.get("result", {})
        checked = int(stats.get("element_count", 0)) - int(stats.get("missing_count") or 0)
        counts.append(_count(check, checked, failed[check.rule_id]))
    return tuple(counts)


def _count(check: Check, checked: int, failed: int) -> RuleCount:
    return RuleCount(
        rule_id=check.rule_id,
        kind=check.kind,
        dimension=str(check.dimension),
        severity=str(check.severity),
        checked=checked,
        failed=failed,
    )
