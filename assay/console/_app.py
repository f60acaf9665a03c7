"""The console's FastAPI application: pages, sign-in, and the headers every response carries.

`create_app` builds it for either home: standalone (`assay console`, its own users and
sessions) or mounted in Airflow's API server (`assay.console._airflow`, Airflow's users).
Every response gets a strict Content-Security-Policy (nothing but this origin's stylesheet
and images, no script at all, no framing, forms only to this origin), ``nosniff``, no
referrer and no caching of pages that show data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from assay.console import _approval, _pages, _releases, _reports, _rows, _session, _triage
from assay.console._auth import NotSignedIn, Sessions
from assay.console._backend import Backend
from assay.console._render import base_of, render

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class ConsoleState:
    """What routes find on ``app.state.console``."""

    backend: Callable[[], Backend]
    sessions: Sessions
    state_dir: Path
    login_url: str | None  # where an unsigned browser goes; None: the console's own form


def create_app(
    backend: Callable[[], Backend],
    sessions: Sessions,
    state_dir: Path,
    *,
    login_url: str | None = None,
) -> FastAPI:
    """The console; ``backend`` is called per request (so nothing connects at import)."""
    app = FastAPI(title="assay console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = ConsoleState(backend, sessions, state_dir, login_url)
    app.middleware("http")(_headers)
    app.add_exception_handler(NotSignedIn, _to_login)
    app.add_exception_handler(HTTPException, _refused)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    if login_url is None:
        app.include_router(_session.router)
    routers = (_pages.router, _rows.router, _triage.router, _approval.router, _releases.router)
    for router in (*routers, _reports.router):
        app.include_router(router)
    return app


async def _headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def _to_login(request: Request, exc: Exception) -> Response:
    if request.method != "GET":
        return PlainTextResponse("sign in first", status_code=401)
    base = base_of(request)
    target = request.app.state.console.login_url or f"{base}/login"
    return RedirectResponse(target, status_code=303)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 401:  # Airflow's get_user: no or expired token
        return await _to_login(request, exc)
    key = "forbidden" if exc.status_code == 403 else "not_found"
    page = render(request, "error.html.j2", None, title=key, detail=str(exc.detail))
    return HTMLResponse(page.body, status_code=exc.status_code)
