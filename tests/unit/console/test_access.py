"""Refusals: no session, a wrong role, a missing or foreign CSRF token, a wrong password."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assay.console import add_user
from assay.console._auth import COOKIE
from assay.console._users import authenticate, users_file
from assay.errors import ConfigError
from tests.unit.console._world import PASSWORD, csrf_of, sign_in

PAGES = [
    "/",
    "/audit",
    "/quarantine",
    "/quarantine/row?contract=process_params&key=process_params/v1/partition=0/x.parquet&row=0",
    "/deadletters",
    "/deadletters/row?contract=process_params&key=process_params/v1/partition=0/x.parquet&row=0",
    "/releases",
    "/releases/process_params/1.0.0",
    "/releases/process_params/1.0.0/files/manifest.json",
]
POSTS = ["/releases/process_params/1.0.0/verify", "/logout"]


@pytest.mark.parametrize("path", PAGES)
def test_without_a_session_every_page_sends_to_the_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


@pytest.mark.parametrize("path", POSTS)
def test_without_a_session_every_post_is_refused(client: TestClient, path: str) -> None:
    assert client.post(path, data={"csrf": "x"}).status_code == 401


def test_a_forged_or_foreign_cookie_is_no_session(client: TestClient) -> None:
    client.cookies.set(COOKIE, "eyJ1IjoiYWRhIn0.forged.sig")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_viewer_reads_but_may_not_verify(client: TestClient) -> None:
    sign_in(client, "vera")
    page = client.get("/releases/process_params/1.0.0")
    assert page.status_code == 200
    refused = client.post(
        "/releases/process_params/1.0.0/verify", data={"csrf": csrf_of(page.text)}
    )
    assert refused.status_code == 403


@pytest.mark.parametrize("token", ["", "not-a-token", "other-user"])
def test_a_post_without_the_users_own_token_is_refused(client: TestClient, token: str) -> None:
    if token == "other-user":
        other = client.app.state.console.sessions.csrf_token("user:ada")  # type: ignore[attr-defined]
        token = other
    sign_in(client, "stella")
    for path in POSTS:
        assert client.post(path, data={"csrf": token}).status_code == 403, path


def test_the_login_form_needs_its_own_token_and_nonce(client: TestClient) -> None:
    form = client.get("/login").text
    data = {"name": "stella", "password": PASSWORD, "csrf": csrf_of(form)}
    client.cookies.clear()  # a post from another site carries no nonce cookie
    assert client.post("/login", data=data).status_code == 403


def test_a_wrong_password_or_unknown_name_signs_nobody_in(client: TestClient) -> None:
    assert sign_in(client, "stella", "wrong password").status_code == 401
    assert sign_in(client, "nobody", PASSWORD).status_code == 401
    assert COOKIE not in client.cookies


def test_a_session_cookie_is_httponly_and_strict_and_logout_ends_it(client: TestClient) -> None:
    response = sign_in(client)
    cookie = response.headers["set-cookie"].lower()
    assert response.status_code == 303 and "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/")
    out = client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_removed_users_session_stops_working(client: TestClient, tmp_path: Path) -> None:
    state = client.app.state.console  # type: ignore[attr-defined]
    add_user(tmp_path, "temp", "viewer", PASSWORD)
    state.state_dir, saved = tmp_path, state.state_dir
    try:
        sign_in(client, "temp")
        assert client.get("/").status_code == 200
        users_file(tmp_path).write_text("{}")
        assert client.get("/", follow_redirects=False).status_code == 303
    finally:
        state.state_dir = saved


def test_users_are_stored_private_and_hashed(tmp_path: Path) -> None:
    add_user(tmp_path, "stella", "steward", PASSWORD)
    text = users_file(tmp_path).read_text()
    assert PASSWORD not in text and "$argon2" in text
    assert stat.S_IMODE(users_file(tmp_path).stat().st_mode) == 0o600
    assert authenticate(tmp_path, "stella", PASSWORD) is not None
    assert authenticate(tmp_path, "stella", PASSWORD + "x") is None


@pytest.mark.parametrize(
    ("name", "role", "password"),
    [("a", "root", PASSWORD), ("", "viewer", PASSWORD), ("a", "viewer", "short")],
)
def test_bad_users_are_refused_with_a_clear_error(
    tmp_path: Path, name: str, role: str, password: str
) -> None:
    with pytest.raises(ConfigError):
        add_user(tmp_path, name, role, password)
