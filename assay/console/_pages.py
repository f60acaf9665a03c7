"""Overview and audit: how each contract is doing, and the proof that nothing was lost.

Both run what the command line runs — `assay status`'s health and `assay audit`'s
accounting — through the same governance functions, and show every open problem in red
above the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from assay.console._auth import Viewer
from assay.console._render import render
from assay.errors import AssayError
from assay.govern.overview import contract_overview

router = APIRouter()


@dataclass(frozen=True)
class Problem:
    """One line in red: what kind, which contract, and what the check said."""

    kind: str
    contract: str
    text: str


@router.get("/")
def overview(request: Request, user: Viewer) -> HTMLResponse:
    """Per contract: volume, rates, freshness, readings per day, the six scores, problems."""
    backend = request.app.state.console.backend()
    contracts = [contract_overview(backend.store, backend.buckets, c) for c in backend.contracts]
    problems = _health_problems(backend)
    for contract in backend.contracts:
        problems += _audit_problems(backend, contract)[1]
    return render(request, "overview.html.j2", user, contracts=contracts, problems=problems)


@router.get("/audit")
def audit(request: Request, user: Viewer) -> HTMLResponse:
    """`assay audit`'s table, per contract, with every discrepancy it found."""
    backend = request.app.state.console.backend()
    results, problems = [], []
    for contract in backend.contracts:
        found, trouble = _audit_problems(backend, contract)
        results += [found] if found is not None else []
        problems += trouble
    return render(request, "audit.html.j2", user, audits=results, problems=problems)


@router.get("/index.html", include_in_schema=False)
def index(request: Request) -> RedirectResponse:
    """Airflow's nav links may point at a file name; the overview is the console's home."""
    return RedirectResponse(f"{request.scope.get('root_path', '')}/", status_code=303)


def _health_problems(backend) -> list[Problem]:
    try:
        health = backend.health()
    except AssayError as exc:
        return [Problem("unreachable", "", str(exc))]
    found = [Problem("unreachable", "", text) for text in health.unreachable]
    for s in health.stalls:
        text = f"{s.stage} partition {s.partition} offset {s.offset} since {s.since}: {s.error}"
        found.append(Problem("stalled", s.contract, text))
    for x in health.losses:
        if not x.acknowledged:
            found.append(
                Problem("loss", x.contract, f"partition {x.partition} offsets {x.start}-{x.end}")
            )
    for e in health.expired:
        found.append(
            Problem("loss", e.contract, f"partition {e.partition} offsets {e.start}-{e.end}")
        )
    return found


def _audit_problems(backend, contract):
    try:
        result = backend.audit(contract)
    except AssayError as exc:
        return None, [Problem("unreachable", contract.name, str(exc))]
    return result, [Problem("audit_unbalanced", contract.name, p) for p in result.problems]
