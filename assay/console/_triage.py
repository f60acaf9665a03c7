"""Triage in the browser: accept (a false positive) or reject quarantined rows, with a reason.

One row (its raw object and Kafka offset) or every undecided row of the quarantine page's
filter is posted to ``/quarantine/decide`` by a steward, with the form's CSRF token;
`assay.govern.triage.decide` checks the role and the reason and records the decision, as
``assay quarantine decide`` does. ``/quarantine/decisions`` lists a contract's decisions.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from assay.console._auth import StewardPosted, Viewer
from assay.console._backend import Source
from assay.console._failure import failed
from assay.console._render import base_of, render
from assay.console._rows import Text, _contract, _moment
from assay.errors import AssayError
from assay.govern.roles import Actor
from assay.govern.triage import RowFilter, decide, decisions

router = APIRouter()
Field = Annotated[str, Form(max_length=200)]


@router.post("/quarantine/decide")
def decide_rows(
    request: Request,
    backend: Source,
    user: StewardPosted,
    contract: Field,
    verdict: Annotated[Literal["accept", "reject"], Form()],
    reason: Annotated[str, Form(max_length=2000)] = "",
    rule: Field = "",
    dimension: Field = "",
    site: Field = "",
    device: Field = "",
    since: Field = "",
    until: Field = "",
    raw_object: Field = "",
    offset: Field = "",
) -> Response:
    """Record the decision; then the contract's decisions, or why it was refused."""
    spec = _contract(backend, contract)
    rows = RowFilter(rule or None, dimension or None, site or None, device or None,
                     _moment(since), _moment(until), raw_object or None,
                     int(offset) if offset.isdigit() else None)  # fmt: skip
    base = base_of(request)
    try:
        decision = decide(backend.store, backend.buckets, spec, verdict, rows, reason,
                          Actor(user.name, user.role))  # fmt: skip
    except AssayError as exc:
        return failed(request, user, exc, f"{base}/quarantine?contract={spec.name}")
    query = urlencode({"contract": spec.name, "decision": decision.id})
    return RedirectResponse(f"{base}/quarantine/decisions?{query}", status_code=303)


@router.get("/quarantine/decisions")
def decision_list(
    request: Request, backend: Source, user: Viewer, contract: Text = "", decision: Text = ""
) -> HTMLResponse:
    """Every decision on a contract's quarantined rows: verdict, rows, who, when, why."""
    spec = _contract(backend, contract)
    found = sorted(decisions(backend.store, backend.buckets.quarantine, spec),
                   key=lambda d: d.at, reverse=True)  # fmt: skip
    return render(request, "decisions.html.j2", user, contracts=backend.contracts,
                  contract=spec, decisions=found, fresh=decision)  # fmt: skip
