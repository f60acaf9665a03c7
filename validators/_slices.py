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

The same rebuilding makes the first pass itself cheaper (`with_counts`): GX runs it with
BOOLEAN_ONLY results, which say only whether each expectation passed, and skip the metrics
BASIC adds for every expectation (the first unexpected values, the missing values); none of
our expectations has a ``mostly`` below 1, so one that passed found no row, and its BASIC
result is the one `_clean` writes from the batch's row count and the column's nulls.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Set
from typing import Any

from validators._checks import ROW

__all__ = ["batch_first_pass", "counted_columns", "with_counts"]

#: A column map expectation's BASIC result with no unexpected row, in GX's key order, for an
#: expectation that has only a BOOLEAN_ONLY result (values are written by `_clean`).
_COUNTED = {
    "element_count": None,
    "unexpected_count": None,
    "unexpected_percent": None,
    "partial_unexpected_list": None,
    "unexpected_index_column_names": [ROW],
}
_MISSING = dict.fromkeys(
    (
        "missing_count",
        "missing_percent",
        "unexpected_percent_total",
        "unexpected_percent_nonmissing",
    )
)
#: Every field a clean map result may hold; a template with another is not rebuilt.
_CLEAN_KEYS = frozenset({**_COUNTED, **_MISSING})
#: The expectation types of our suites, and whether GX counts their missing values apart
#: (``not_null`` finds the missing values: it has no missing count of its own).
_COUNTS_MISSING = {
    "expect_column_values_to_not_be_null": False,
    "expect_column_values_to_be_in_set": True,
    "expect_column_values_to_be_between": True,
    "expect_column_values_to_match_regex": True,
}
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
    result = _clean(item, rows, nulls)
    if result is None:
        return None
    return {**copy.deepcopy(dict(item)), "success": True, "result": result}


def with_counts(first: Mapping[str, Any], *, rows: int, nulls: Mapping[str, int]) -> dict[str, Any]:
    """A BOOLEAN_ONLY first pass over ``rows`` rows with the BASIC result of every expectation
    that passed, from ``nulls`` per column (`counted_columns`); GX's BASIC pass gives the same.
    An expectation that failed or raised, or that this module cannot rebuild (a ``mostly``,
    a type of another suite), keeps its empty result: `found_rows` sends it to the COMPLETE
    pass, whose result replaces it whole."""
    results = [_with_count(item, rows, nulls) for item in first.get("results", ())]
    return {**first, "results": results}


def _with_count(item: Mapping[str, Any], rows: int, nulls: Mapping[str, int]) -> Any:
    config = item.get("expectation_config") or {}
    plain = (
        item.get("success") is True
        and not item.get("result")
        and not (item.get("exception_info") or {}).get("raised_exception")
        and (config.get("kwargs") or {}).get("mostly", 1) == 1
    )
    result = _clean(item, rows, nulls) if plain else None
    return item if result is None else {**item, "result": result}


def counted_columns(first: Mapping[str, Any]) -> set[str]:
    """The columns of the expectations whose results count missing values."""
    return {
        str(((item.get("expectation_config") or {}).get("kwargs") or {}).get("column"))
        for item in first.get("results", ())
        if "missing_count" in (_template(item) or {})
    }


def _template(item: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The fields (and their order) of the item's BASIC result: its own, or for a result
    without them (BOOLEAN_ONLY, or a failure's placeholder) those of its expectation type."""
    if item.get("result"):
        return item["result"]
    counts_missing = _COUNTS_MISSING.get(str((item.get("expectation_config") or {}).get("type")))
    if counts_missing is None:
        return None
    return {**_COUNTED, **(_MISSING if counts_missing else {})}


def _clean(item: Mapping[str, Any], rows: int, nulls: Mapping[str, int]) -> dict[str, Any] | None:
    """A map expectation's result with no unexpected row, as ``_format_map_output`` makes it."""
    template = _template(item)
    if template is None or not set(template) <= _CLEAN_KEYS or "unexpected_count" not in template:
        return None
    column = ((item.get("expectation_config") or {}).get("kwargs") or {}).get("column")
    missing = nulls.get(str(column), 0)
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
