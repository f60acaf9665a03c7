"""The approval workflow in the browser: request a release, approve or reject it, withdraw it.

Each action is a steward's (withdraw: an admin's) form post with the form's CSRF token and
a required comment or reason, and calls the governance function the command line calls
(`request_release`, `approve_release`, `reject_release`, `withdraw_release`), which checks
the role and the two-person rule itself. The writes go through the releaser role's
`Desk`; a refusal comes back as a page saying why, in both languages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from assay.console._auth import AdminPosted, Steward, StewardPosted
from assay.console._backend import Backend, Source, backend_of
from assay.console._desk import Desk
from assay.console._failure import failed
from assay.console._releases import Name, Version
from assay.console._render import base_of, render
from assay.console._users import User
from assay.errors import AssayError
from assay.govern.releases import (
    Decision,
    LockTerms,
    ReleaseRequest,
    approve_release,
    reject_release,
    request_release,
    withdraw_release,
)
from assay.govern.releases._release import LICENCES
from assay.govern.roles import Actor

router = APIRouter()
Field = Annotated[str, Form(max_length=200)]
Comment = Annotated[str, Form(max_length=2000)]


@router.get("/releases/request")
def request_form(request: Request, backend: Source, user: Steward) -> HTMLResponse:
    """The request form: contract, window, version, granted fields, licence, recipient, why,
    and a known gap's acceptance."""
    return render(request, "release_request.html.j2", user, contracts=backend.contracts,
                  contract=backend.contracts[0], licences=LICENCES)  # fmt: skip


@router.post("/releases/request")
def request_post(
    request: Request,
    user: StewardPosted,
    contract: Field,
    version: Field,
    date_from: Annotated[date, Form()],
    date_to: Annotated[date, Form()],
    licence: Field = "",
    grants: Field = "",
    recipient: Field = "",
    comment: Comment = "",
    accept_gap: Comment = "",
) -> Response:
    """Write the draft as the releaser, tell the stewards, show the draft's page. A window
    whose counts do not reconcile is refused with its gaps unless the steward gave a reason
    for releasing it anyway (``accept_gap``: recorded in the manifest and on the card)."""
    backend, desk = _backends(request)
    spec = backend.contract(contract)
    if spec is None:
        raise HTTPException(404, f"no contract {contract!r}")
    now = datetime.now(UTC).replace(microsecond=0)
    wanted = ReleaseRequest(spec, version.strip(), date_from, date_to, now, licence,
                            frozenset(g.strip() for g in grants.split(",") if g.strip()),
                            recipient, user.name, comment,
                            accept_gap=accept_gap.strip())  # fmt: skip
    terms = LockTerms.after(now, desk.lock_days, desk.lock_mode)
    try:
        _need(comment, "comment")
        draft = request_release(desk.store, desk.buckets, wanted, desk.key(), terms, _actor(user),
                                inputs=desk.ledger(spec))  # fmt: skip
    except AssayError as exc:
        return failed(request, user, exc, _url(request, "/releases/request"))
    path = f"/releases/{spec.name}/{wanted.version}"
    desk.announce(draft.manifest, str(request.base_url).rstrip("/") + path)  # has the mount
    return RedirectResponse(_url(request, path), status_code=303)


@router.post("/releases/{contract}/{version}/approve")
def approve(
    request: Request, user: StewardPosted, contract: Name, version: Version, comment: Comment = ""
) -> Response:
    """Publish the draft under retention: a second steward's approval (or a single-steward
    site's own, recorded as such)."""
    _, desk = _backends(request)
    decision = Decision(_actor(user), _now(), comment, desk.single_steward)
    return _act(request, user, (contract, version), comment, lambda: approve_release(
        desk.store, desk.buckets.releases, contract, version, decision))  # fmt: skip


@router.post("/releases/{contract}/{version}/reject")
def reject(
    request: Request, user: StewardPosted, contract: Name, version: Version, comment: Comment = ""
) -> Response:
    """Refuse the request, with a comment; the draft stays, never published."""
    _, desk = _backends(request)
    decision = Decision(_actor(user), _now(), comment)
    return _act(request, user, (contract, version), comment, lambda: reject_release(
        desk.store, desk.buckets.releases, contract, version, decision))  # fmt: skip


@router.post("/releases/{contract}/{version}/withdraw")
def withdraw(
    request: Request, user: AdminPosted, contract: Name, version: Version, reason: Comment = ""
) -> Response:
    """Mark a published release withdrawn (data kept; readers and verify warn)."""
    _, desk = _backends(request)
    return _act(request, user, (contract, version), reason, lambda: withdraw_release(
        desk.store, desk.buckets.releases, contract, version, _actor(user), reason))  # fmt: skip


def _act(
    request: Request, user: User, release: tuple[str, str], why: str, action: Callable[[], object]
) -> Response:
    """Run a decision that says ``why``; back to the release page, or a page saying why
    it was refused."""
    page = _url(request, "/releases/{}/{}".format(*release))
    try:
        _need(why, "comment")
        action()
    except AssayError as exc:
        return failed(request, user, exc, page)
    return RedirectResponse(page, status_code=303)


def _backends(request: Request) -> tuple[Backend, Desk]:
    backend = backend_of(request)
    if backend.desk is None:
        raise HTTPException(403, "this console is read-only: it has no releaser keys")
    return backend, backend.desk()


def _need(text: str, what: str) -> None:
    from assay.govern.releases import InvalidRelease

    if not text.strip():
        raise InvalidRelease(f"every release action says why: give a {what}")


def _actor(user: User) -> Actor:
    return Actor(user.name, user.role)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _url(request: Request, path: str) -> str:
    return f"{base_of(request)}{path}"
