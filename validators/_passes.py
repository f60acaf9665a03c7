"""Two passes over one batch, merged into the result a single COMPLETE pass gives (pure).

Most batches are clean, and most expectations of a faulty batch pass. Great
Expectations computes row indexes (``unexpected_index_list``) for every
expectation of a SUMMARY or COMPLETE run, found rows or not; a BASIC run skips
those metrics. So the suite runs first with BASIC results (GX's BOOLEAN_ONLY pass
and the counts of what passed: ``_slices.with_counts``), and only the
expectations that found unexpected rows run again with COMPLETE results.

For an expectation that found none, GX's COMPLETE result is its BASIC result
plus four empty lists (``ROW_LISTS``, in GX's order); the merge adds them, and
takes every other expectation's result from the second pass, in the suite's
order. The suite-level fields (success, statistics, meta) come from the first
pass: both passes agree on every expectation's success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from validators._checks import Check

__all__ = ["ROW_LISTS", "found_rows", "merge_passes", "to_rerun"]

#: What a COMPLETE map result holds beyond a BASIC one, in the order GX writes them.
ROW_LISTS = (
    "partial_unexpected_counts",
    "partial_unexpected_index_list",
    "unexpected_list",
    "unexpected_index_list",
)


def _rule_id(item: Mapping[str, Any]) -> str:
    return str(item["expectation_config"]["meta"]["rule_id"])


def found_rows(item: Mapping[str, Any]) -> bool:
    """True unless the expectation passed with no unexpected row (a raise counts as found)."""
    return not item.get("success") or item.get("result", {}).get("unexpected_count") != 0


def to_rerun(first: Mapping[str, Any], checks: tuple[Check, ...]) -> tuple[Check, ...]:
    """The checks whose first-pass result needs the row lists, in suite order."""
    wanted = {_rule_id(item) for item in first.get("results", ()) if found_rows(item)}
    return tuple(check for check in checks if check.rule_id in wanted)


def merge_passes(first: dict[str, Any], rerun: Mapping[str, Any] | None) -> dict[str, Any]:
    """The first pass's result with each re-run expectation's result put in its place."""
    again = {_rule_id(item): item for item in (rerun or {}).get("results", ())}
    results = [again.get(_rule_id(item)) or _with_empty_lists(item) for item in first["results"]]
    return {**first, "results": results}


def _with_empty_lists(item: dict[str, Any]) -> dict[str, Any]:
    result = item.get("result", {})
    if found_rows(item) or "unexpected_count" not in result:
        return item
    return {**item, "result": {**result, **{key: [] for key in ROW_LISTS}}}
