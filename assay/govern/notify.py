"""Telling people: a pending approval reaches stewards by e-mail and by chat robot.

Chinese plants talk in WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) groups; each has
a group robot that takes a JSON POST, and DingTalk and Feishu sign it with a shared
secret when the robot is set to (加签 / 签名校验). The payloads are pure functions of the
message, the secret and the time, tested as such; `notify` sends to every configured
channel and reports each outcome instead of raising: a robot that is down must not undo
the release request it announces.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from assay.config import Settings, Webhook
from schemas import escape_markdown

TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Message:
    """What people are told: a subject line, a few lines of body, a link to act on."""

    subject: str
    body: str
    link: str = ""

    @property
    def text(self) -> str:
        """Subject, body and link as plain text."""
        return "\n".join(part for part in (self.subject, self.body, self.link) if part)


@dataclass(frozen=True)
class Delivery:
    """The outcome of one channel: where, whether it took the message, and why not."""

    channel: str
    ok: bool
    detail: str = ""


def markdown_text(text: str) -> str:
    """``text`` shown as itself by a robot's markdown, line by line (`escape_markdown`, the
    escaping of dataset cards): an error quoting a producer's value links, embeds and marks
    up nothing."""
    return "\n".join(escape_markdown(line) for line in text.split("\n"))


def payload(kind: str, message: Message, secret: str = "", now_ms: int = 0) -> dict[str, Any]:
    """The JSON body a robot of ``kind`` takes (Feishu's carries its signature); markdown
    robots get the subject and body as text (`markdown_text`), the link as our own."""
    link = f"\n\n[{message.link}]({message.link})" if message.link else ""
    subject, body_md = markdown_text(message.subject), markdown_text(message.body)
    if kind == "wecom":
        content = f"**{subject}**\n{body_md}{link}"
        return {"msgtype": "markdown", "markdown": {"content": content}}
    if kind == "dingtalk":
        text = f"### {subject}\n{body_md}{link}"
        return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": text}}
    if kind == "feishu":
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": message.text}}
        if secret:
            stamp = str(now_ms // 1000)
            body |= {"timestamp": stamp, "sign": _sign(f"{stamp}\n{secret}".encode(), b"")}
        return body
    return {"subject": message.subject, "body": message.body, "link": message.link}


def signed_url(kind: str, url: str, secret: str = "", now_ms: int = 0) -> str:
    """The URL to POST to: DingTalk's signature goes in the query string."""
    if kind != "dingtalk" or not secret:
        return url
    sign = _sign(secret.encode(), f"{now_ms}\n{secret}".encode())
    query = urllib.parse.urlencode({"timestamp": now_ms, "sign": sign})
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _sign(key: bytes, data: bytes) -> str:
    return base64.b64encode(hmac.new(key, data, hashlib.sha256).digest()).decode()


def accepted(kind: str, status: int, body: bytes) -> tuple[bool, str]:
    """Whether a robot took the message: HTTP 2xx and, for the chat robots, code 0."""
    if not 200 <= status < 300:
        return False, f"HTTP {status}"
    if kind == "json":
        return True, ""
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return False, "not JSON"
    code = answer.get("errcode", answer.get("code", 0))
    return code == 0, "" if code == 0 else f"{code}: {answer.get('errmsg') or answer.get('msg')}"


def send_webhook(hook: Webhook, message: Message) -> Delivery:
    """POST the message to one robot."""
    now_ms, secret = int(time.time() * 1000), hook.secret.get_secret_value()
    data = json.dumps(payload(hook.kind, message, secret, now_ms), ensure_ascii=False).encode()
    url = signed_url(hook.kind, hook.url, secret, now_ms)
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    channel = f"{hook.kind} {urllib.parse.urlsplit(hook.url).netloc}"
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            ok, detail = accepted(hook.kind, response.status, response.read())
    except OSError as exc:  # URLError, HTTPError, timeouts
        return Delivery(channel, False, str(exc))
    return Delivery(channel, ok, detail)


def email(settings: Settings, message: Message) -> EmailMessage:
    """The e-mail of a message, to every configured recipient."""
    mail = EmailMessage()
    mail["Subject"], mail["From"] = message.subject, settings.notify_email_from
    mail["To"] = ", ".join(settings.notify_email_to)
    mail.set_content(message.text)
    return mail


def send_email(settings: Settings, message: Message) -> Delivery:
    """Send the message by SMTP (STARTTLS and login when configured)."""
    import smtplib

    channel = f"smtp {settings.notify_smtp_host}:{settings.notify_smtp_port}"
    try:
        with smtplib.SMTP(
            settings.notify_smtp_host, settings.notify_smtp_port, timeout=TIMEOUT_S
        ) as smtp:
            if settings.notify_smtp_starttls:
                smtp.starttls()
            if settings.notify_smtp_username:
                password = settings.notify_smtp_password.get_secret_value()
                smtp.login(settings.notify_smtp_username, password)
            smtp.send_message(email(settings, message))
    except (OSError, smtplib.SMTPException) as exc:
        return Delivery(channel, False, str(exc))
    return Delivery(channel, True)


def notify(settings: Settings, message: Message) -> list[Delivery]:
    """Send to every configured channel; one outcome each, never an exception."""
    found = [send_webhook(hook, message) for hook in settings.notify_webhooks]
    if settings.notify_smtp_host and settings.notify_email_to:
        found.append(send_email(settings, message))
    return found


def pending_approval(manifest: dict[str, Any], link: str = "") -> Message:
    """The message a release request sends: what, who asked and why, how to act."""
    r, request, totals = manifest["release"], manifest.get("request", {}), manifest["totals"]
    window = f"{manifest['window']['from']} — {manifest['window']['to']}"
    granted = ", ".join(manifest["masking"]["granted"]) or "无 none"
    body = "\n".join(
        [
            f"申请人 requested by: {request.get('by')} — {request.get('comment') or '—'}",
            f"窗口 window: {window}; {totals['rows']:,} rows, {totals['files']} files",
            f"许可 licence: {r['licence']}; 原样授权字段 granted: {granted}",
            f"审批 approve: assay release approve {r['contract']} {r['version']} --comment …",
        ]
    )
    return Message(
        f"待审批发布 Release awaiting approval: {r['contract']} {r['version']}", body, link
    )
