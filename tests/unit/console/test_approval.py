"""The approval workflow in the console: request, approve by a second steward, reject,
withdraw; and every refusal (no session, a wrong role, a foreign token, the requester
approving, a missing comment or licence)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.console._world import TOLD, csrf_of, sign_in

PAGE = "/releases/process_params/{}"


def ask(web: TestClient, release: str, **change: Any) -> Any:
    """Post the request form as its steward would fill it."""
    token = csrf_of(web.get("/releases/request").text)
    form = {"csrf": token, "contract": "process_params", "version": release,
            "date_from": "2026-03-01", "date_to": "2026-03-02", "licence": "CC-BY-4.0",
            "grants": "", "recipient": "pilot-a", "comment": "for the pilot's model"}  # fmt: skip
    return web.post("/releases/request", data={**form, **change}, follow_redirects=False)


def decide(web: TestClient, version: str, action: str, **form: str) -> Any:
    token = csrf_of(web.get(PAGE.format(version)).text)
    url = PAGE.format(version) + f"/{action}"
    return web.post(url, data={"csrf": token, **form}, follow_redirects=False)


def test_a_request_then_a_second_stewards_approval_publishes(desk_client: TestClient) -> None:
    sign_in(desk_client, "stella")
    asked = ask(desk_client, "2.0.0")
    assert asked.status_code == 303 and asked.headers["location"] == PAGE.format("2.0.0")
    assert TOLD[-1] == "http://console.test" + PAGE.format("2.0.0")  # the stewards are told
    draft = desk_client.get(PAGE.format("2.0.0") + "?lang=en").text
    assert "awaiting approval" in draft and "for the pilot&#39;s model" in draft
    assert 'id="refusal"' in draft and "the requester cannot approve" in draft
    listed = desk_client.get("/releases?lang=en").text
    assert "2.0.0" in listed and "awaiting approval" in listed
    own = decide(desk_client, "2.0.0", "approve", comment="looks fine")
    assert own.status_code == 403 and "the requester cannot approve" in own.text
    assert "无权执行此操作" in own.text and "You may not do this" in own.text
    sign_in(desk_client, "sam")
    assert 'id="refusal"' not in desk_client.get(PAGE.format("2.0.0")).text
    done = decide(desk_client, "2.0.0", "approve", comment="checked the grants")
    assert done.status_code == 303
    page = desk_client.get(PAGE.format("2.0.0") + "?lang=en").text
    assert "published" in page and "checked the grants" in page and 'id="decided-by">sam' in page
    assert 'id="verify"' in page and "manifest.json" in page


def test_a_rejection_needs_a_comment_and_keeps_the_draft(desk_client: TestClient) -> None:
    sign_in(desk_client, "stella")
    assert ask(desk_client, "3.0.0").status_code == 303
    sign_in(desk_client, "sam")
    bare = decide(desk_client, "3.0.0", "reject", comment=" ")
    assert bare.status_code == 422 and "操作未完成" in bare.text
    assert decide(desk_client, "3.0.0", "reject", comment="wrong window").status_code == 303
    page = desk_client.get(PAGE.format("3.0.0") + "?lang=en").text
    assert "rejected" in page and "wrong window" in page and 'id="approve"' not in page
    late = decide(desk_client, "3.0.0", "approve", comment="too late")
    assert late.status_code == 422 and "rejected by sam already" in late.text


def test_only_an_admin_withdraws_and_says_why(desk_client: TestClient) -> None:
    sign_in(desk_client, "sam")
    token = csrf_of(desk_client.get(PAGE.format("1.0.0")).text)
    url = PAGE.format("1.0.0") + "/withdraw"
    assert desk_client.post(url, data={"csrf": token, "reason": "x"}).status_code == 403
    sign_in(desk_client, "ada")
    assert decide(desk_client, "1.0.0", "withdraw", reason="").status_code == 422
    assert decide(desk_client, "1.0.0", "withdraw", reason="granted by mistake").status_code == 303
    page = desk_client.get(PAGE.format("1.0.0") + "?lang=en").text
    assert "withdrawn" in page and "granted by mistake" in page and 'id="withdraw"' not in page


@pytest.mark.parametrize(
    ("change", "said"),
    [({"licence": ""}, "choose the release&#39;s licence"), ({"comment": ""}, "give a comment"),
     ({"version": "1.0"}, "1.0")],
)  # fmt: skip
def test_a_bad_request_is_refused_on_the_page(
    desk_client: TestClient, change: dict[str, str], said: str
) -> None:
    sign_in(desk_client, "stella")
    refused = ask(desk_client, "4.0.0", **change)
    assert refused.status_code == 422 and said in refused.text and "操作未完成" in refused.text


def test_a_viewer_may_not_request_nor_decide(desk_client: TestClient) -> None:
    sign_in(desk_client, "vera")
    assert desk_client.get("/releases/request").status_code == 403
    token = csrf_of(desk_client.get(PAGE.format("1.0.0")).text)
    for action in ("approve", "reject", "withdraw"):
        url = PAGE.format("1.0.0") + f"/{action}"
        refused = desk_client.post(url, data={"csrf": token, "comment": "x", "reason": "x"})
        assert refused.status_code == 403
    assert desk_client.post("/releases/request", data={"csrf": token}).status_code == 403


@pytest.mark.parametrize("action", ["request", "1.0.0/approve", "1.0.0/reject", "1.0.0/withdraw"])
def test_without_a_session_or_token_every_action_is_refused(
    desk_client: TestClient, action: str
) -> None:
    url = "/releases/request" if action == "request" else f"/releases/process_params/{action}"
    assert desk_client.post(url, data={"csrf": "x"}).status_code == 401
    sign_in(desk_client, "ada")
    refused = desk_client.post(url, data={"csrf": "forged", "comment": "x", "reason": "x"})
    assert refused.status_code == 403 and "CSRF" in refused.text


def test_a_console_without_releaser_keys_refuses_release_writes(client: TestClient) -> None:
    sign_in(client, "stella")
    token = csrf_of(client.get("/releases/request").text)
    refused = client.post(PAGE.format("1.0.0") + "/approve", data={"csrf": token, "comment": "x"})
    assert refused.status_code == 403 and "read-only" in refused.text


def test_a_window_with_a_gap_is_refused_until_a_steward_accepts_it(
    gap_desk_client: TestClient,
) -> None:
    """The request form says why a window was refused, and takes the reason a steward
    accepts the gap for; the draft records it."""
    web = gap_desk_client
    sign_in(web, "stella")
    form = web.get("/releases/request?lang=en").text
    assert 'name="accept_gap"' in form and "recorded in the manifest" in form
    refused = ask(web, "5.0.0")
    assert refused.status_code == 422 and "do not reconcile" in refused.text
    assert "known-gap field" in refused.text and "操作未完成" in refused.text
    reason = "gateway <b>gw-7</b> replaced on 03-01; its spool was lost"
    asked = ask(web, "5.0.0", accept_gap=reason)
    assert asked.status_code == 303 and asked.headers["location"] == PAGE.format("5.0.0")
    draft = web.get(PAGE.format("5.0.0") + "?lang=en").text
    assert "gateway &lt;b&gt;gw-7&lt;/b&gt; replaced" in draft and "<b>gw-7</b>" not in draft
    assert "awaiting approval" in draft
