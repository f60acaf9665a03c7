"""Releases, read-only: the list, one release's manifest and rendered card, its downloads,
and *verify*, which recomputes every checksum as `assay release verify` does.

Approval is not made here. The release page leaves an ``approval`` block in its template
and this router the place for ``POST /releases/{contract}/{version}/approve`` (and
``/reject``, ``/withdraw``), which the approval workflow adds with a steward's role check
and a CSRF-checked form (`assay.console._auth.StewardPosted`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markupsafe import Markup

from assay.console._auth import StewardPosted, Viewer
from assay.console._backend import Backend
from assay.console._render import render
from assay.errors import StoreError
from assay.govern.readiness import report_prefix
from assay.govern.releases import (
    ReleaseError,
    list_releases,
    read_manifest,
    release_prefix,
    verify_release,
)

router = APIRouter()
Name = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Version = Annotated[str, Path(pattern=r"^\d+\.\d+\.\d+$")]
# Documents a reader may download, and where each lives (the release, or the reports).
DOWNLOADS = {
    "manifest.json": ("releases", "application/json"),
    "README.md": ("releases", "text/markdown; charset=utf-8"),
    "croissant.json": ("releases", "application/ld+json"),
    "readiness.html": ("reports", "text/html; charset=utf-8"),
    "readiness.pdf": ("reports", "application/pdf"),
}
# Raw HTML in a card is shown as text: the card's values come from contracts and data.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


@router.get("/releases")
def releases(request: Request, user: Viewer) -> HTMLResponse:
    """Every release, by contract and version."""
    backend: Backend = request.app.state.console.backend()
    found = list_releases(backend.store, backend.buckets.releases)
    return render(request, "releases.html.j2", user, releases=found)


@router.get("/releases/{contract}/{version}")
def release(request: Request, user: Viewer, contract: Name, version: Version) -> HTMLResponse:
    """One release: manifest, card, downloads, and the verify form."""
    return _release_page(request, user, contract, version, None)


@router.post("/releases/{contract}/{version}/verify")
def verify(request: Request, user: StewardPosted, contract: Name, version: Version) -> HTMLResponse:
    """Recompute every checksum and row count, and show the release with the outcome."""
    backend: Backend = request.app.state.console.backend()
    try:
        result = verify_release(backend.store, backend.buckets.releases, contract, version)
    except ReleaseError as exc:
        raise HTTPException(404, str(exc)) from exc
    return _release_page(request, user, contract, version, result)


@router.get("/releases/{contract}/{version}/files/{name}")
def download(
    request: Request, user: Viewer, contract: Name, version: Version, name: str
) -> Response:
    """A release document or its readiness report, as an attachment."""
    if name not in DOWNLOADS:
        raise HTTPException(404, f"{name!r} is not a document of a release")
    backend: Backend = request.app.state.console.backend()
    where, content_type = DOWNLOADS[name]
    if where == "releases":
        bucket, key = backend.buckets.releases, release_prefix(contract, version) + name
    else:
        bucket, key = backend.buckets.reports, report_prefix(contract, version) + name
    try:
        data = backend.store.get(bucket, key)
    except StoreError as exc:
        raise HTTPException(404, f"{name} of {contract} {version} is not there") from exc
    filename = f"{contract}-{version}-{name}"
    disposition = f'attachment; filename="{filename}"'
    return Response(data, media_type=content_type, headers={"Content-Disposition": disposition})


def _release_page(
    request: Request, user: Any, contract: str, version: str, verification: Any
) -> HTMLResponse:
    backend: Backend = request.app.state.console.backend()
    try:
        manifest = read_manifest(backend.store, backend.buckets.releases, contract, version)
    except ReleaseError as exc:
        raise HTTPException(404, str(exc)) from exc
    card = _document(backend, release_prefix(contract, version) + "README.md")
    readiness = report_prefix(contract, version)
    present = {
        n
        for n in ("readiness.html", "readiness.pdf")
        if backend.store.head(backend.buckets.reports, readiness + n) is not None
    }
    downloads = [n for n, (where, _) in DOWNLOADS.items() if where == "releases" or n in present]
    return render(
        request,
        "release.html.j2",
        user,
        contract=contract,
        version=version,
        manifest=manifest,
        card_html=_card(card),
        downloads=downloads,
        verification=verification,
    )


def _document(backend: Backend, key: str) -> str:
    try:
        return backend.store.get(backend.buckets.releases, key).decode("utf-8", errors="replace")
    except StoreError:
        return ""


def _card(text: str) -> Markup:
    """The card as HTML: markdown-it escapes every character of the text it does not turn
    into Markdown's own elements (raw HTML off), and refuses ``javascript:`` links."""
    return Markup(_MARKDOWN.render(text))
