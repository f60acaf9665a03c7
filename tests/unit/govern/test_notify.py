"""Notification payloads: what WeCom, DingTalk and Feishu robots take, and their signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse

from hypothesis import given
from hypothesis import strategies as st

from assay.config import Settings
from assay.govern.notify import (
    Message,
    accepted,
    email,
    markdown_text,
    payload,
    pending_approval,
    signed_url,
)
from schemas import escape_markdown

NOW_MS = 1_772_000_000_123
texts = st.text(max_size=200)


@given(st.sampled_from(["wecom", "dingtalk", "feishu", "json"]), texts, texts, texts)
def test_every_payload_is_json_and_carries_the_message(
    kind: str, subject: str, body: str, link: str
) -> None:
    message = Message(subject, body, link)
    sent = json.dumps(payload(kind, message, "s3cret", NOW_MS), ensure_ascii=False)
    # markdown robots carry it as text (`markdown_text`, which gives it back exactly)
    shown = markdown_text if kind in ("wecom", "dingtalk") else str
    for part in (subject, body):
        assert json.dumps(shown(part), ensure_ascii=False)[1:-1] in sent


def test_dingtalk_signs_the_url_as_its_robot_checks() -> None:
    url = signed_url(
        "dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", "SEC1", NOW_MS
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["access_token"] == ["t"] and query["timestamp"] == [str(NOW_MS)]
    expected = hmac.new(b"SEC1", f"{NOW_MS}\nSEC1".encode(), hashlib.sha256).digest()
    assert base64.b64decode(query["sign"][0]) == expected
    assert signed_url("dingtalk", "https://x/send", "", NOW_MS) == "https://x/send"
    assert signed_url("wecom", "https://x/send?key=k", "SEC1", NOW_MS) == "https://x/send?key=k"


def test_feishu_signs_the_body() -> None:
    body = payload("feishu", Message("s", "b"), "SEC2", NOW_MS)
    stamp = str(NOW_MS // 1000)
    expected = hmac.new(f"{stamp}\nSEC2".encode(), b"", hashlib.sha256).digest()
    assert body["timestamp"] == stamp and base64.b64decode(body["sign"]) == expected
    assert "sign" not in payload("feishu", Message("s", "b"))


def test_a_robot_accepts_only_with_code_zero() -> None:
    assert accepted("dingtalk", 200, b'{"errcode":0,"errmsg":"ok"}') == (True, "")
    assert accepted("wecom", 200, b'{"errcode":93000,"errmsg":"invalid webhook url"}') == (
        False,
        "93000: invalid webhook url",
    )
    assert accepted("feishu", 200, b'{"code":19021,"msg":"sign match fail"}')[0] is False
    assert accepted("json", 204, b"") == (True, "")
    assert accepted("feishu", 502, b"") == (False, "HTTP 502")


def test_the_pending_approval_names_the_release_requester_and_command() -> None:
    manifest = {
        "release": {"contract": "energy_meter", "version": "1.2.0", "licence": "CC-BY-4.0"},
        "request": {"by": "mei", "comment": "March for base A"},
        "window": {"from": "2026-03-01", "to": "2026-03-31"},
        "totals": {"rows": 1200, "files": 2},
        "masking": {"granted": []},
    }
    message = pending_approval(manifest)
    assert "energy_meter 1.2.0" in message.subject
    assert "mei" in message.body and "assay release approve energy_meter 1.2.0" in message.body
    mail = email(Settings(notify_email_to=["a@x", "b@x"]), message)
    assert mail["To"] == "a@x, b@x" and "1,200 rows" in mail.get_content()


@given(st.text())
def test_markdown_text_escapes_every_line_as_dataset_cards_do(text: str) -> None:
    """Line by line through `escape_markdown` (generated-input tested in schemas): no tag, no
    link or image bracket left bare, and the message's own line breaks kept."""
    shown = markdown_text(text)
    assert shown.split("\n") == [escape_markdown(line) for line in text.split("\n")]
    assert "<" not in shown and ">" not in shown
    assert all(shown[i - 1 : i] == "\\" for i, c in enumerate(shown) if c in "[]")


@given(st.text(), st.text())
def test_markdown_robots_get_subject_and_body_as_text(subject: str, body: str) -> None:
    message = Message(subject, body, "http://console/release")
    wecom = payload("wecom", message)["markdown"]["content"]
    dingtalk = payload("dingtalk", message)["markdown"]["text"]
    for content in (wecom, dingtalk):
        assert markdown_text(body) in content and markdown_text(subject) in content
        assert content.endswith("[http://console/release](http://console/release)")
