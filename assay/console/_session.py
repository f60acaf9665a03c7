"""Signing in and out of the standalone console (inside Airflow, Airflow's own pages do it).

The login form carries a CSRF token made for a random nonce held in a short-lived cookie,
so another site cannot post a login (a login CSRF would sign the victim in as the
attacker). A failed login says nothing about which of name and password was wrong.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from assay.console._auth import COOKIE, PRE_COOKIE, SESSION_SECONDS, Posted
from assay.console._i18n import language
from assay.console._render import base_of, render
from assay.console._users import authenticate

router = APIRouter()


@router.get("/login")
def login_form(request: Request) -> Response:
    """The sign-in form, with a fresh nonce cookie and the token made for it."""
    nonce = secrets.token_hex(16)
    sessions = request.app.state.console.sessions
    page = render(
        request, "login.html.j2", None, token=sessions.csrf_token(f"pre:{nonce}"), failed=False
    )
    _cookie(request, page, PRE_COOKIE, nonce, 600)
    return page


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Check the token and the password; on success a session cookie and the overview."""
    state = request.app.state.console
    nonce = request.cookies.get(PRE_COOKIE, "")
    if not nonce or not state.sessions.csrf_valid(f"pre:{nonce}", csrf):
        raise HTTPException(403, "the sign-in form expired or came from elsewhere; reload it")
    user = authenticate(state.state_dir, name, password)
    if user is None:
        page = render(request, "login.html.j2", None, token=csrf, failed=True)
        page.status_code = 401
        return page
    base = base_of(request)
    response = RedirectResponse(f"{base}/?lang={language(request)}", status_code=303)
    _cookie(request, response, COOKIE, state.sessions.cookie(user), SESSION_SECONDS)
    response.delete_cookie(PRE_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, user: Posted) -> Response:
    """End the session (the cookie is dropped; it also expires by itself)."""
    base = base_of(request)
    response = RedirectResponse(f"{base}/login", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict")
    return response


def _cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
