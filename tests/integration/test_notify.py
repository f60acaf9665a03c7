"""Notifications over real sockets: a chat robot's HTTP endpoint and an SMTP server on loopback.

Both servers are tiny and local (no network leaves the machine); what they receive is what
a WeCom / DingTalk / Feishu robot or a mail relay would.
"""

from __future__ import annotations

import json
import socketserver
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from loopback import Smtp, serving

from assay.config import Settings, Webhook
from assay.govern.notify import Message, notify

pytestmark = pytest.mark.integration
MESSAGE = Message("待审批发布 Release awaiting approval: energy_meter 1.0.0", "by mei", "http://x")


class Robot(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Robot.received.append((self.path, body))
        answer = b'{"errcode":0}' if "good" in self.path else b'{"errcode":310000,"errmsg":"sign"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def servers() -> Iterator[tuple[int, int]]:
    http = HTTPServer(("127.0.0.1", 0), Robot)
    smtp = socketserver.TCPServer(("127.0.0.1", 0), Smtp)
    with serving(http, smtp) as (http_port, smtp_port):
        yield http_port, smtp_port


def test_robots_and_mail_are_told_and_a_refusal_is_reported(servers: tuple[int, int]) -> None:
    http, smtp = servers
    base = f"http://127.0.0.1:{http}"
    settings = Settings(
        notify_webhooks=[
            Webhook(kind="dingtalk", url=f"{base}/good?access_token=t", secret="SEC"),
            Webhook(kind="wecom", url=f"{base}/bad?key=k"),
            Webhook(kind="feishu", url="http://127.0.0.1:9/closed"),
        ],
        notify_smtp_host="127.0.0.1",
        notify_smtp_port=smtp,
        notify_email_to=["steward@plant.example"],
    )
    outcomes = notify(settings, MESSAGE)
    assert [o.ok for o in outcomes] == [True, False, False, True]
    assert outcomes[1].detail == "310000: sign" and outcomes[2].detail
    path, body = Robot.received[0]
    assert "timestamp=" in path and "sign=" in path
    assert body["markdown"]["title"] == MESSAGE.subject
    assert b"steward@plant.example" in Smtp.received[0]
