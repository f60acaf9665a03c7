"""Build a readiness report and put it where a steward finds it.

Four files — ``readiness.html``, ``readiness.pdf``, ``readiness.json`` (the figures) and
``provenance.jsonld`` (PROV-O from the OpenLineage events of the runs behind the release) —
go to a local folder and to the reports bucket under ``readiness/<contract>/<version>/``.
The releases bucket is never written: it is object-locked and holds only the release.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.govern.readiness._figures import Organisation, readiness_figures
from assay.govern.readiness._inputs import Buckets, load_inputs
from assay.govern.readiness._prov import release_prov
from assay.govern.readiness._render import render_html, render_pdf
from assay.store.objects import HTML, ObjectStore

Progress = Callable[[str], None]
NAMES = {
    "readiness.html": HTML,
    "readiness.pdf": "application/pdf",
    "readiness.json": "application/json",
    "provenance.jsonld": "application/ld+json",
}


@dataclass(frozen=True)
class Report:
    """A rendered report: its figures, the bytes of each file, and where they went."""

    figures: dict[str, Any]
    files: dict[str, bytes]
    folder: Path
    bucket: str
    prefix: str


def report_prefix(contract: str, version: str) -> str:
    """Where a release's readiness report lives in the reports bucket."""
    return f"readiness/{contract}/{version}/"


def dumps_figures(figures: dict[str, Any]) -> bytes:
    """``readiness.json``: stable, UTF-8, one trailing newline."""
    return (json.dumps(figures, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def build_report(
    store: ObjectStore,
    buckets: Buckets,
    contract: str,
    version: str,
    folder: Path,
    endpoint: str,
    progress: Progress = lambda _: None,
    organisation: Organisation | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Report:
    """Compute, render, write locally and upload one release's readiness report."""
    inputs = load_inputs(store, buckets, contract, version)
    progress(
        f"read {len(inputs.data)} release files, {len(inputs.summaries)} segment reports, "
        f"{len(inputs.quarantine)} quarantine objects"
    )
    prov = release_prov(inputs.manifest, events or [])
    figures = readiness_figures(inputs, organisation, prov)
    html = render_html(figures, endpoint, buckets.releases)
    progress("rendered HTML; rendering PDF")
    files = {
        "readiness.html": html.encode(),
        "readiness.pdf": render_pdf(html),
        "readiness.json": dumps_figures(figures),
        "provenance.jsonld": dumps_figures(prov),
    }
    folder.mkdir(parents=True, exist_ok=True)
    prefix = report_prefix(contract, version)
    for name, data in files.items():
        (folder / name).write_bytes(data)
        store.put(buckets.reports, prefix + name, data, content_type=NAMES[name])
        progress(f"wrote {folder / name} and s3://{buckets.reports}/{prefix}{name}")
    return Report(figures, files, folder, buckets.reports, prefix)
