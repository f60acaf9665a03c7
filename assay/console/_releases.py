"""Releases: the list (drafts with their state too), one release's manifest and rendered
card, its request and decisions, its downloads, and *verify*, which recomputes every
checksum as `assay release verify` does.

The decisions themselves (request, approve, reject, withdraw) are posted to
`assay.console._approval`; this page shows their forms, and why the two-person rule keeps
the requester from approving their own draft.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markupsafe import Markup

from assay.console._auth import StewardPosted, Viewer
from assay.console._backend import Backend, Source, backend_of
from assay.console._render import render
from assay.errors import StoreError
from assay.govern.readiness import report_prefix
from assay.govern.releases import (
    ReleaseError,
    ReleaseStatus,
    list_releases,
    release_prefix,
    release_status,
    verify_release,
)
from assay.govern.roles import Actor, NotPermitted, check_approver
from assay.store.layout import draft_prefix

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
def releases(request: Request, backend: Source, user: Viewer) -> HTMLResponse:
    """Every release, by contract and version."""
    found = list_releases(backend.store, backend.buckets.releases, drafts=True)
    return render(request, "releases.html.j2", user, releases=found)


@router.get("/releases/{contract}/{version}")
def release(request: Request, user: Viewer, contract: Name, version: Version) -> HTMLResponse:
    """One release: manifest, card, downloads, and the verify form."""
    return _release_page(request, user, contract, version, None)


@router.post("/releases/{contract}/{version}/verify")
def verify(
    request: Request, backend: Source, user: StewardPosted, contract: Name, version: Version
) -> HTMLResponse:
    """Recompute every checksum and row count, and show the release with the outcome."""
    try:
        result = verify_release(backend.store, backend.buckets.releases, contract, version)
    except ReleaseError as exc:
        raise HTTPException(404, str(exc)) from exc
    return _release_page(request, user, contract, version, result)


@router.get("/releases/{contract}/{version}/files/{name}")
def download(
    request: Request, backend: Source, user: Viewer, contract: Name, version: Version, name: str
) -> Response:
    """A release document or its readiness report, as an attachment."""
    if name not in DOWNLOADS:
        raise HTTPException(404, f"{name!r} is not a document of a release")
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
    backend = backend_of(request)
    try:
        status = release_status(backend.store, backend.buckets.releases, contract, version)
    except ReleaseError as exc:
        raise HTTPException(404, str(exc)) from exc
    published = status.state in ("published", "withdrawn")
    where = (release_prefix if published else draft_prefix)(contract, version)
    return render(
        request,
        "release.html.j2",
        user,
        contract=contract,
        version=version,
        status=status,
        manifest=status.manifest,
        card_html=_card(_document(backend, where + "README.md")),
        downloads=_downloads(backend, contract, version) if published else [],
        verification=verification,
        refusal=_approver_refusal(backend, user, status),
    )


def _downloads(backend: Backend, contract: str, version: str) -> list[str]:
    readiness = report_prefix(contract, version)
    present = {
        n
        for n in ("readiness.html", "readiness.pdf")
        if backend.store.head(backend.buckets.reports, readiness + n) is not None
    }
    return [n for n, (where, _) in DOWNLOADS.items() if where == "releases" or n in present]


def _approver_refusal(backend: Backend, user: Any, status: ReleaseStatus) -> str:
    """Why this user may not approve this draft (the two-person rule), or "" if they may."""
    if status.state != "draft" or not user.may("steward"):
        return ""
    single = backend.desk().single_steward if backend.desk else False
    try:
        check_approver(Actor(user.name, user.role), status.request["requested_by"], single)
    except NotPermitted as exc:
        return str(exc)
    return ""


def _document(backend: Backend, key: str) -> str:
    try:
        return backend.store.get(backend.buckets.releases, key).decode("utf-8", errors="replace")
    except StoreError:
        return ""


def _card(text: str) -> Markup:
    """The card as HTML: markdown-it escapes every character of the text it does not turn
    into Markdown's own elements (raw HTML off), and refuses ``javascript:`` links."""
    return Markup(_MARKDOWN.render(text))
