"""Versity Gateway's admin API: users and their roles, signed with the root key.

The gateway serves its admin API on the S3 port unless it is started with
``--admin-port``; every call is ``PATCH /<call>`` signed with SigV4 (service ``s3``),
account data as XML, errors as S3-style XML (``XAdminUserExists`` …).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from assay.govern.access._errors import AdminApiError

if TYPE_CHECKING:
    from assay.config import Settings

USER_ROLES = ("user", "userplus", "admin")


@dataclass(frozen=True)
class Account:
    """One gateway user as the admin API lists it (the secret is never listed)."""

    access: str
    role: str


class GatewayAdmin:
    """Create, update, list and delete gateway users."""

    def __init__(self, endpoint: str, access: str, secret: str, region: str) -> None:
        self.endpoint, self.region = endpoint.rstrip("/"), region
        self._access, self._secret = access, secret

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayAdmin:
        """The admin API of the configured S3 server, as its root user."""
        from assay.config import ROOT

        access, secret = settings.s3_credentials(ROOT)
        return cls(settings.endpoint, access, secret, settings.s3_region)

    def list_users(self) -> list[Account]:
        """Every user but root."""
        root = ET.fromstring(self._call("list-users") or b"<r/>")
        return [
            Account(acc.findtext("Access", ""), acc.findtext("Role", ""))
            for acc in root.iter("Accounts")
        ]

    def create_user(self, access: str, secret: str, role: str = "user") -> None:
        """A new user; `AdminApiError` with code ``XAdminUserExists`` if the key is taken."""
        self._call("create-user", body=_account_xml("Account", access, secret, role))

    def update_user(self, access: str, secret: str, role: str = "user") -> None:
        """Set a user's secret and role."""
        body = _account_xml("MutableProps", None, secret, role)
        self._call("update-user", {"access": access}, body)

    def delete_user(self, access: str) -> None:
        """Remove a user."""
        self._call("delete-user", {"access": access})

    def _call(self, call: str, query: dict[str, str] | None = None, body: bytes = b"") -> bytes:
        import urllib3
        from minio.credentials import Credentials
        from minio.signer import sign_v4_s3
        from minio.time import to_amz_date

        url = urlsplit(f"{self.endpoint}/{call}" + (f"?{urlencode(query)}" if query else ""))
        now, digest = datetime.now(UTC), hashlib.sha256(body).hexdigest()
        headers: dict[str, str | list[str] | tuple[str]] = {
            "Host": url.netloc,
            "x-amz-date": to_amz_date(now),
            "x-amz-content-sha256": digest,
        }
        signed = sign_v4_s3(
            method="PATCH",
            url=url,
            region=self.region,
            headers=headers,
            credentials=Credentials(self._access, self._secret),
            content_sha256=digest,
            date=now,
        )
        try:
            resp = urllib3.request(
                "PATCH",
                url.geturl(),
                body=body,
                headers={k: str(v) for k, v in signed.items()},
                timeout=10,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise AdminApiError(call, type(exc).__name__, 0, transient=True) from exc
        if resp.status >= 400:
            raise AdminApiError(
                call, _error_code(resp.data), resp.status, transient=resp.status >= 500
            )
        return bytes(resp.data)


def _account_xml(tag: str, access: str | None, secret: str, role: str) -> bytes:
    if role not in USER_ROLES:
        raise ValueError(f"role {role!r} is not one of {USER_ROLES}")
    root = ET.Element(tag)
    for name, value in (("Access", access), ("Secret", secret), ("Role", role)):
        if value is not None:
            ET.SubElement(root, name).text = value
    return ET.tostring(root)


def _error_code(body: bytes) -> str:
    try:
        return ET.fromstring(body).findtext("Code") or "unknown error"
    except ET.ParseError:
        return body[:200].decode(errors="replace") or "empty answer"
