"""What goes to the reports bucket: a compact validation result and its Data Docs page.

The compact result is Great Expectations' own result JSON without the full
per-row lists (``unexpected_list``, ``unexpected_index_list``): those can hold a
million entries, and the quarantine table already has every failing row with
its reason. The partial lists (20 examples each) stay, and Data Docs shows them.
The run is named after the contract and stamped with the batch's time, never
the wall clock, so a re-run writes the same report.

Restricted fields (L3 or personal) never reach a report: every value an expectation on
one of them returns (unexpected values and their counts, observed values, details,
exception text) is ``schemas.masked``, as in the readiness report; counts and percentages
stay. ``dumps_result`` writes ``validation.json`` with ``<``, ``>`` and ``&`` as JSON
escapes, so the file can be put into any HTML page or script block and stay data.

Data Docs is GX's own validation page (``ValidationResultsPageRenderer`` and
``DefaultJinjaPageView``), rendered to one HTML string without a data context, then
made inert (``_html``): every value shown as text, nothing that runs, loads or navigates,
and a Content-Security-Policy in the page. GX's CDN styles and scripts are left out, so
the page is plain but complete, online or not. Derived columns (``_ok_type__seq``) are
internal names: the page shows the contract fields their rule reads instead.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Set
from datetime import datetime
from pathlib import Path
from typing import Any

from schemas import masked
from validators._checks import ROW
from validators._gx import render_validation_page
from validators._html import inert_page, restored, tokenised

__all__ = ["compact_result", "dumps_result", "render_data_docs", "write_data_docs"]

_FULL_LISTS = ("unexpected_list", "unexpected_index_list")
#: What an expectation on a restricted field still shows: how many, never which.
_STATISTICS = frozenset(
    {
        "element_count",
        "unexpected_count",
        "unexpected_percent",
        "unexpected_percent_total",
        "unexpected_percent_nonmissing",
        "missing_count",
        "missing_percent",
        "unexpected_index_column_names",
    }
)
_POSITIONS = frozenset({ROW, "count", "raised_exception"})
_HTML_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def compact_result(
    result: dict[str, Any],
    *,
    run_name: str,
    run_time: datetime,
    restricted: Set[str] = frozenset(),
) -> dict[str, Any]:
    """A copy of ``result`` without the full per-row lists, restricted values masked, stamped
    with a run name and time."""
    compact = copy.deepcopy(result)
    for item in compact.get("results", ()):
        for key in _FULL_LISTS:
            item.get("result", {}).pop(key, None)
        if restricted & _fields(item):
            _mask(item)
    run_id = {"run_name": run_name, "run_time": run_time.isoformat()}
    compact.setdefault("meta", {})["run_id"] = run_id
    return compact


def _fields(item: dict[str, Any]) -> set[str]:
    """The contract fields an expectation reads (derived columns name theirs in the meta)."""
    config = item.get("expectation_config") or {}
    kwargs = config.get("kwargs") or {}
    named = [kwargs.get("column"), *(kwargs.get("column_list") or ())]
    return {f for f in [*named, *(config.get("meta") or {}).get("fields", ())] if f}


def _mask(item: dict[str, Any]) -> None:
    result = item.get("result") or {}
    item["result"] = {k: v if k in _STATISTICS else _masked(v) for k, v in result.items()}
    if item.get("exception_info"):
        item["exception_info"] = _masked(item["exception_info"])


def _masked(value: Any) -> Any:
    """Every value inside ``value`` masked; row positions, counts and the shape stay."""
    if isinstance(value, dict):
        return {k: v if k in _POSITIONS else _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return masked(value)


def dumps_result(result: dict[str, Any]) -> bytes:
    """``validation.json``: the result as JSON whose text holds no ``<``, ``>`` or ``&``."""
    return json.dumps(result, default=str).translate(_HTML_SAFE).encode()


def render_data_docs(result: dict[str, Any]) -> str:
    """The Data Docs page of one validation result: one inert, self-contained HTML string."""
    swapped, texts = tokenised(_fields_named(result))
    return inert_page(restored(render_validation_page(swapped), texts))


def _fields_named(result: dict[str, Any]) -> dict[str, Any]:
    """A copy whose derived columns are named by the fields their rule reads."""
    named = copy.deepcopy(result)
    for item in named.get("results", ()):
        config = item.get("expectation_config") or {}
        kwargs = config.get("kwargs") or {}
        fields = (config.get("meta") or {}).get("fields") or ()
        if str(kwargs.get("column", "")).startswith("_") and fields:
            kwargs["column"] = ", ".join(map(str, fields))
    return named


def write_data_docs(html: str, folder: str | Path) -> Path:
    """Write a Data Docs page as ``folder/index.html``; uploading it is the caller's job."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    page = target / "index.html"
    page.write_text(html, encoding="utf-8")
    return page
