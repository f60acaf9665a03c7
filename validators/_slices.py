"""One batch's first-pass result cut from a first pass over several batches at once (pure).

Every expectation of our suites is a column map expectation on a frame whose values are
computed per batch (derived columns take their context from the batch's own caller), so
whether a row is unexpected depends on that row alone. A BASIC pass over several batches'
frames, one after another, therefore finds unexpected rows in a batch exactly where a pass
over that batch alone would. What the group's result does not say per batch — counts and
percentages, which expectations found rows, the frame's fingerprint — is rebuilt here from
numbers the caller counts in the frame, with GX's own formulas (``_format_map_output``) and
in the key order of the group's result.

Only expectations that found *no* row in the batch are rebuilt: those that did are run
again on the batch's own frame with COMPLETE results (as `run_suite`'s second pass does),
and ``merge_passes`` puts GX's own result for them in place. So every value list a report
shows comes from GX on the batch itself. A result with any field this module does not know
(another GX version, an expectation that raised) is not cut: ``None``, and the caller
validates the batch on its own.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Set
from typing import Any

__all__ = ["batch_first_pass"]

_CLEAN_KEYS = frozenset(
    {
        "element_count",
        "unexpected_count",
        "unexpected_percent",
        "partial_unexpected_list",
        "unexpected_index_column_names",
        "missing_count",
        "missing_percent",
        "unexpected_percent_total",
        "unexpected_percent_nonmissing",
    }
)
_STATISTICS = (
    "evaluated_expectations",
    "successful_expectations",
    "unsuccessful_expectations",
    "success_percent",
)


def batch_first_pass(
    group: Mapping[str, Any],
    *,
    rows: int,
    nulls: Mapping[str, int],
    failing: Set[str],
    fingerprint: str,
) -> dict[str, Any] | None:
    """The BASIC result of one batch of ``rows`` rows: ``nulls`` per column, the rule ids of
    the expectations that found rows in it (``failing``, left for their COMPLETE pass) and
    GX's fingerprint of its own frame."""
    results = [_item(item, rows, nulls, failing) for item in group.get("results", ())]
    statistics = _statistics(group.get("statistics"), len(results), len(failing))
    meta = _meta(group.get("meta"), fingerprint)
    if statistics is None or meta is None or any(item is None for item in results):
        return None
    cut = {"success": not failing, "statistics": statistics, "meta": meta, "results": results}
    return {key: cut.get(key, value) for key, value in group.items()}


def _item(
    item: Mapping[str, Any], rows: int, nulls: Mapping[str, int], failing: Set[str]
) -> dict[str, Any] | None:
    config = item.get("expectation_config") or {}
    if (item.get("exception_info") or {}).get("raised_exception"):
        return None
    if config.get("meta", {}).get("rule_id") in failing:
        return {**item, "success": False}  # replaced by the batch's own COMPLETE result
    column = (config.get("kwargs") or {}).get("column")
    result = _clean(item.get("result") or {}, rows, nulls.get(str(column), 0))
    if result is None:
        return None
    return {**copy.deepcopy(dict(item)), "success": True, "result": result}


def _clean(template: Mapping[str, Any], rows: int, missing: int) -> dict[str, Any] | None:
    """A map expectation's result with no unexpected row, as ``_format_map_output`` makes it."""
    if not set(template) <= _CLEAN_KEYS or "unexpected_count" not in template:
        return None
    total = 0 / rows * 100 if rows else None
    if "missing_count" in template:  # GX counted non-null values: percentages of those
        nonnull = rows - missing
        nonmissing = 0 / nonnull * 100 if rows and nonnull > 0 else None
    else:
        nonmissing = total
    values: dict[str, Any] = {
        "element_count": rows,
        "unexpected_count": 0,
        "unexpected_percent": nonmissing,
        "partial_unexpected_list": [],
        "missing_count": missing,
        "missing_percent": missing / rows * 100 if rows else None,
        "unexpected_percent_total": total,
        "unexpected_percent_nonmissing": nonmissing,
    }
    return {key: values.get(key, copy.deepcopy(value)) for key, value in template.items()}


def _statistics(group: Any, evaluated: int, failed: int) -> dict[str, Any] | None:
    if not isinstance(group, Mapping) or set(group) != set(_STATISTICS):
        return None
    successful = evaluated - failed
    values = {
        "evaluated_expectations": evaluated,
        "successful_expectations": successful,
        "unsuccessful_expectations": failed,
        "success_percent": successful / evaluated * 100 if evaluated else None,
    }
    return {key: values[key] for key in group}


def _meta(group: Any, fingerprint: str) -> dict[str, Any] | None:
    meta = copy.deepcopy(dict(group or {}))
    markers = meta.get("batch_markers")
    if not isinstance(markers, dict) or "pandas_data_fingerprint" not in markers:
        return None
    markers["pandas_data_fingerprint"] = fingerprint
    return meta
