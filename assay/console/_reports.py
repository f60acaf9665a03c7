"""Validation reports: Data Docs as a site, one index per contract, newest run first.

The pipeline writes each segment's reports beside each other in the reports bucket
(``summary.json``, ``validation.json``, ``data_docs.html``); a page alone is an orphan.
`report_index` gathers a contract's segments with their run time, outcome and counts, and
the console serves the index and each page. A page is sent as stored (it is already inert:
every value escaped, nothing that runs or loads) under a policy stricter than the rest of
the console's: no script at all, no stylesheet but the page's own, not even this origin's
images, and sandboxed, so even a page written by an older pipeline runs nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response

from assay.console._auth import Viewer
from assay.console._backend import Source
from assay.console._i18n import TEXT
from assay.console._render import render
from assay.errors import StoreError
from assay.store.objects import ObjectStore
from validators import data_docs_css

router = APIRouter()
Name = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
PAGE = "data_docs.html"
PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; sandbox"
)
TEXT.update(
    {
        "validation_reports": ("校验报告", "Validation reports"),
        "segment": ("数据段", "Segment"),
        "run_time": ("运行时间", "Run time"),
        "outcome": ("结果", "Outcome"),
        "passed": ("通过", "passed"),
        "failed": ("未通过", "failed"),
        "curated": ("已治理", "Curated"),
        "quarantined": ("已隔离", "Quarantined"),
        "duplicates": ("重复", "Duplicates"),
    }
)


@dataclass(frozen=True)
class Report:
    """One validated segment as its index lists it."""

    key: str  # of its Data Docs page in the reports bucket
    segment: str
    run_time: str  # ISO 8601, as the validation result carries it
    passed: bool
    readings: int
    curated: int
    quarantined: int
    duplicates: int


def report_index(store: ObjectStore, bucket: str, contract: str) -> list[Report]:
    """Every segment of ``contract`` with a Data Docs page, newest run first."""
    folders = [k[: -len(PAGE)] for k in store.keys(bucket, f"{contract}/") if k.endswith(PAGE)]
    found = [_report(store, bucket, folder) for folder in folders]
    return sorted(found, key=lambda r: (r.run_time, r.key), reverse=True)


def _report(store: ObjectStore, bucket: str, folder: str) -> Report:
    summary = _json(store, bucket, folder + "summary.json")
    result = _json(store, bucket, folder + "validation.json")
    run = (result.get("meta") or {}).get("run_id") or {}
    return Report(
        key=folder + PAGE,
        segment=str(summary.get("segment") or folder.rstrip("/").rsplit("/", 1)[-1]),
        run_time=str(run.get("run_time") or ""),
        passed=bool(result.get("success")) and not summary.get("quarantined"),
        **{
            n: int(summary.get(n) or 0)
            for n in ("readings", "curated", "quarantined", "duplicates")
        },
    )


def _json(store: ObjectStore, bucket: str, key: str) -> dict[str, Any]:
    try:
        loaded = json.loads(store.get(bucket, key))
    except (StoreError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


@router.get("/reports")
def reports(request: Request, backend: Source, user: Viewer) -> HTMLResponse:
    """Each contract's validation reports, newest first."""
    bucket = backend.buckets.reports
    index = {c.name: report_index(backend.store, bucket, c.name) for c in backend.contracts}
    return render(request, "reports.html.j2", user, index=index)


@router.get("/reports/{contract}/page/{key:path}")
def page(request: Request, backend: Source, user: Viewer, contract: Name, key: str) -> Response:
    """One segment's Data Docs page, as stored, under the page policy."""
    if not key.startswith(f"{contract}/") or not key.endswith(f"/{PAGE}") or ".." in key:
        raise HTTPException(404, f"{key!r} is not a validation report of {contract}")
    try:
        body = backend.store.get(backend.buckets.reports, key)
    except StoreError as exc:
        raise HTTPException(404, f"no validation report {key!r}") from exc
    headers = {"Content-Security-Policy": PAGE_CSP}
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/reports/static/data_docs.css")
def stylesheet(user: Viewer) -> Response:
    """The stylesheet every page carries inside it, for pages that link it instead."""
    return Response(data_docs_css(), media_type="text/css; charset=utf-8")
