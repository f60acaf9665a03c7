"""Who is asking: signed session cookies, roles, and a CSRF token on every form.

Standalone, a session is a cookie (HttpOnly, SameSite=Strict, signed with the state
folder's session key) holding only the user's name; the role is read from the users file
on every request, so removing a user or lowering a role takes effect at once. Inside
Airflow, `current_user` is replaced by `assay.console._airflow.airflow_user`, which asks
Airflow's auth manager; everything below it (roles, CSRF) is the same.

A CSRF token is the signed name of whoever the form was made for (``user:<name>``, or
``pre:<nonce>`` with a cookie nonce for the login form), so a page from another origin
can neither read one nor forge one, and no server-side state is kept.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import cached_property
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from assay.console._users import Role, User, role_of

COOKIE = "assay_console"
PRE_COOKIE = "assay_console_pre"
SESSION_SECONDS = 12 * 3600


class NotSignedIn(Exception):
    """No valid session: pages send the browser to the login form."""


class Sessions:
    """Signs and reads session cookies and CSRF tokens with one key.

    The key may be given as a function, read on first use: Airflow imports the plugin in
    every process, and only the API server needs the key.
    """

    def __init__(self, key: bytes | Callable[[], bytes]) -> None:
        self._key = key

    @cached_property
    def _session(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt="assay-console-session")

    @cached_property
    def _csrf(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt="assay-console-csrf")

    @cached_property
    def _secret(self) -> bytes:
        return self._key if isinstance(self._key, bytes) else self._key()

    def cookie(self, user: User) -> str:
        """The cookie value of a new session."""
        return self._session.dumps({"u": user.name, "n": secrets.token_hex(8)})

    def name(self, cookie: str | None) -> str | None:
        """The user name of a valid, unexpired session cookie."""
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        name = data.get("u") if isinstance(data, dict) else None
        return name if isinstance(name, str) else None

    def csrf_token(self, subject: str) -> str:
        """A token that only this server could have made for ``subject``."""
        return self._csrf.dumps(subject)

    def csrf_valid(self, subject: str, token: str | None) -> bool:
        """Whether ``token`` was made for ``subject`` within the session's lifetime."""
        try:
            found = self._csrf.loads(token or "", max_age=SESSION_SECONDS)
        except BadSignature:
            return False
        return isinstance(found, str) and hmac.compare_digest(found, subject)


def current_user(request: Request) -> User:
    """The signed-in user of a standalone console; `NotSignedIn` otherwise."""
    state = request.app.state.console
    name = state.sessions.name(request.cookies.get(COOKIE))
    role = role_of(state.state_dir, name) if name else None
    if name is None or role is None:
        raise NotSignedIn()
    return User(name, role)


def _requires(role: Role):
    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if not user.may(role):
            raise HTTPException(403, f"this needs the {role} role; {user.name} is {user.role}")
        return user

    return check


Viewer = Annotated[User, Depends(_requires("viewer"))]
Steward = Annotated[User, Depends(_requires("steward"))]
Admin = Annotated[User, Depends(_requires("admin"))]


def subject(user: User) -> str:
    """What a signed-in user's CSRF tokens are made for."""
    return f"user:{user.name}"


def _posted(role: Role):
    allowed = Depends(_requires(role))  # a default, not an annotation: ``role`` is local

    def check(request: Request, user: User = allowed, csrf: Annotated[str, Form()] = "") -> User:
        if not request.app.state.console.sessions.csrf_valid(subject(user), csrf):
            raise HTTPException(
                403, "the form's CSRF token is missing or not yours; reload the page"
            )
        return user

    return check


# A form post of a signed-in user (of at least the role) whose CSRF token is theirs; 403 else.
Posted = Annotated[User, Depends(_posted("viewer"))]
StewardPosted = Annotated[User, Depends(_posted("steward"))]
AdminPosted = Annotated[User, Depends(_posted("admin"))]
