"""Triage in the console: a steward accepts or rejects quarantined rows with a reason, and
every refusal (no session, a viewer, a foreign token, no reason, nothing to decide)."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.unit.console._world import csrf_of, sign_in


def first_row(web: TestClient, query: str = "") -> str:
    """The link of the first row of the quarantine page."""
    page = web.get(f"/quarantine?contract=process_params{query}").text
    return html.unescape(re.search(r'class="row-link" href="([^"]+)"', page)[1])  # type: ignore[index]


def row_form(web: TestClient, link: str) -> dict[str, str]:
    """The hidden fields of a row page's decision form."""
    page = web.get(link).text
    form = page.split('id="decide"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return {k: html.unescape(v) for k, v in fields.items()}


def test_a_steward_accepts_a_row_and_the_row_shows_the_decision(desk_client: TestClient) -> None:
    sign_in(desk_client, "stella")
    link = first_row(desk_client)
    fields = {**row_form(desk_client, link), "verdict": "accept", "reason": "meter swapped <b>"}
    done = desk_client.post("/quarantine/decide", data=fields, follow_redirects=False)
    assert (
        done.status_code == 303
        and "/quarantine/decisions?contract=process_params" in (done.headers["location"])
    )
    listed = desk_client.get(done.headers["location"]).text
    assert "meter swapped &lt;b&gt;" in listed and "stella (steward)" in listed
    row = desk_client.get(link).text
    assert "meter swapped &lt;b&gt;" in row and 'id="decide"' not in row  # decided: no form


def test_a_steward_rejects_every_row_of_a_filter(desk_client: TestClient) -> None:
    sign_in(desk_client, "sam")
    page = desk_client.get("/quarantine?contract=process_params").text
    assert 'id="decide"' not in page  # no filter: no form deciding on every row
    rule = re.search(r'<option value="([^"]+)"', page.split('id="rule"', 1)[1])[1]  # type: ignore[index]
    form = {"csrf": csrf_of(page), "contract": "process_params", "rule": rule,
            "verdict": "reject", "reason": "sensor really broken"}  # fmt: skip
    done = desk_client.post("/quarantine/decide", data=form, follow_redirects=False)
    assert done.status_code == 303
    listed = desk_client.get(done.headers["location"]).text
    assert f"rule={rule}" in listed and "sensor really broken" in listed
    again = desk_client.post("/quarantine/decide", data=form)  # nothing undecided is left
    assert again.status_code == 422
    assert "操作未完成" in again.text and "The action was not taken" in again.text


def test_a_decision_without_a_reason_is_refused_on_the_page(desk_client: TestClient) -> None:
    sign_in(desk_client, "stella")
    fields = {**row_form(desk_client, first_row(desk_client, "&offset=5")), "verdict": "accept"}
    refused = desk_client.post("/quarantine/decide", data=fields)
    assert refused.status_code == 422 and "give a reason" in refused.text
    assert "操作未完成" in refused.text and 'id="back"' in refused.text


def test_a_viewer_sees_no_form_and_may_not_decide(desk_client: TestClient) -> None:
    sign_in(desk_client, "vera")
    page = desk_client.get("/quarantine?contract=process_params&site=plant-a")
    assert 'id="decide"' not in page.text
    form = {"csrf": csrf_of(page.text), "contract": "process_params", "verdict": "accept",
            "reason": "x"}  # fmt: skip
    assert desk_client.post("/quarantine/decide", data=form).status_code == 403


@pytest.mark.parametrize("token", ["", "forged"])
def test_a_decision_needs_the_users_own_token(desk_client: TestClient, token: str) -> None:
    sign_in(desk_client, "stella")
    form = {"csrf": token, "contract": "process_params", "verdict": "accept", "reason": "x"}
    refused = desk_client.post("/quarantine/decide", data=form)
    assert refused.status_code == 403 and "CSRF" in refused.text


def test_without_a_session_no_decision_and_no_list(desk_client: TestClient) -> None:
    form = {"csrf": "x", "contract": "process_params", "verdict": "accept", "reason": "x"}
    assert desk_client.post("/quarantine/decide", data=form).status_code == 401
    listed = desk_client.get("/quarantine/decisions", follow_redirects=False)
    assert listed.status_code == 303 and listed.headers["location"] == "/login"


def test_the_decisions_page_lists_in_both_languages(desk_client: TestClient) -> None:
    sign_in(desk_client, "vera")
    zh = desk_client.get("/quarantine/decisions?contract=process_params&lang=zh")
    en = desk_client.get("/quarantine/decisions?contract=process_params&lang=en")
    assert zh.status_code == en.status_code == 200
    assert "处置决定" in zh.text and "Decisions" in en.text
    assert desk_client.get("/quarantine/decisions?contract=nope").status_code == 404
