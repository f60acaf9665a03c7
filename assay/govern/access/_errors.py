"""Errors of access management (under `assay.errors.AssayError`).

AccessError            a role, grant or credentials file is wrong (``role``)
└── AdminApiError      the S3 server's admin API refused or failed (``code``, ``status``)
"""

from __future__ import annotations

from assay.errors import AssayError


class AccessError(AssayError):
    """A role, a pilot grant or a credentials file is missing or wrong."""

    def __init__(self, role: str, problem: str) -> None:
        self.role = role
        super().__init__(f"{role}: {problem}")


class AdminApiError(AccessError):
    """The gateway's admin API answered an error (or could not be reached: transient)."""

    def __init__(self, call: str, code: str, status: int, *, transient: bool = False) -> None:
        self.call, self.code, self.status = call, code, status
        self.transient = transient
        super().__init__("admin", f"{call} failed: {code} (HTTP {status})")
