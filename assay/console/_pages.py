"""Overview and audit: how each contract is doing, and the proof that nothing was lost.

Both run what the command line runs — `assay status`'s health and `assay audit`'s
accounting — through the same governance functions, and show every open problem in red
above the figures (`assay.govern.alerts`, which ``assay notify`` tells people of): stalls,
losses, unbalanced audits, scores under the contract's threshold, and failed last runs of
the contract's DAGs, from Airflow's REST API — or *unknown* when Airflow cannot be asked.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from assay.console._auth import Viewer
from assay.console._backend import Backend, Source
from assay.console._render import base_of, render
from assay.errors import AssayError
from assay.govern.alerts import (
    Problem,
    audit_problems,
    health_problems,
    run_problems,
    score_problems,
)
from assay.govern.audit import Audit
from assay.govern.overview import contract_overview
from assay.govern.runs import RunState, RunsUnknown
from schemas import Contract

router = APIRouter()


@router.get("/")
def overview(request: Request, backend: Source, user: Viewer) -> HTMLResponse:
    """Per contract: volume, rates, freshness, readings per day, the six scores and their
    trends; above them every open problem, failed runs included."""
    contracts = [contract_overview(backend.store, backend.buckets, c) for c in backend.contracts]
    problems = _health_problems(backend)
    for contract, seen in zip(backend.contracts, contracts, strict=True):
        problems += _audit_problems(backend, contract)[1]
        problems += score_problems(contract.name, seen.quality, backend.threshold(contract.name))
    runs, unknown = _runs(backend)
    return render(request, "overview.html.j2", user, contracts=contracts,
                  problems=problems + run_problems(runs), runs_unknown=unknown,
                  threshold=backend.threshold)  # fmt: skip


@router.get("/audit")
def audit(request: Request, backend: Source, user: Viewer) -> HTMLResponse:
    """`assay audit`'s table, per contract, with every discrepancy it found."""
    results, problems = [], []
    for contract in backend.contracts:
        found, trouble = _audit_problems(backend, contract)
        results += [found] if found is not None else []
        problems += trouble
    return render(request, "audit.html.j2", user, audits=results, problems=problems)


@router.get("/index.html", include_in_schema=False)
def index(request: Request) -> RedirectResponse:
    """Airflow's nav links may point at a file name; the overview is the console's home."""
    return RedirectResponse(f"{base_of(request)}/", status_code=303)


def _health_problems(backend: Backend) -> list[Problem]:
    try:
        return health_problems(backend.health())
    except AssayError as exc:
        return [Problem("unreachable", "", str(exc), "unreachable")]


def _audit_problems(backend: Backend, contract: Contract) -> tuple[Audit | None, list[Problem]]:
    try:
        result = backend.audit(contract)
    except AssayError as exc:
        return None, [Problem("unreachable", contract.name, str(exc), "unreachable")]
    return result, audit_problems(result)


def _runs(backend: Backend) -> tuple[list[RunState], str]:
    """The DAGs' last runs, or none and why they are unknown (no Airflow, Airflow down)."""
    if backend.runs is None:
        return [], "no Airflow configured for this console"
    try:
        return backend.runs(), ""
    except RunsUnknown as exc:
        return [], exc.reason
