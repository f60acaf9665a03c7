"""What goes to the reports bucket: a compact validation result and its Data Docs page.

The compact result is Great Expectations' own result JSON without the full
per-row lists (``unexpected_list``, ``unexpected_index_list``): those can hold a
million entries, and the quarantine table already has every failing row with
its reason. The partial lists (20 examples each) stay, and Data Docs shows them.
The run is named after the contract and stamped with the batch's time, never
the wall clock, so a re-run writes the same report.

Data Docs is GX's own validation page (``ValidationResultsPageRenderer`` and
``DefaultJinjaPageView``), rendered to one HTML string without a data context.
Like every GX Data Docs page it styles itself from public CDNs (Bootstrap,
jQuery); without network access it is unstyled but complete.
"""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any

from validators._gx import render_validation_page

__all__ = ["compact_result", "render_data_docs", "write_data_docs"]

_FULL_LISTS = ("unexpected_list", "unexpected_index_list")


def compact_result(result: dict[str, Any], *, run_name: str, run_time: datetime) -> dict[str, Any]:
    """A copy of ``result`` without the full per-row lists, stamped with a run name and time."""
    compact = copy.deepcopy(result)
    for item in compact.get("results", ()):
        for key in _FULL_LISTS:
            item.get("result", {}).pop(key, None)
    run_id = {"run_name": run_name, "run_time": run_time.isoformat()}
    compact.setdefault("meta", {})["run_id"] = run_id
    return compact


def render_data_docs(result: dict[str, Any]) -> str:
    """The Data Docs page of one validation result, as a single HTML string."""
    return render_validation_page(result)


def write_data_docs(html: str, folder: str | Path) -> Path:
    """Write a Data Docs page as ``folder/index.html``; uploading it is the caller's job."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    page = target / "index.html"
    page.write_text(html, encoding="utf-8")
    return page
