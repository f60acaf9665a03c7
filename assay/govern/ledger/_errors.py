"""The exceptions of ``assay.govern.ledger``.

    AssayError
    └── LedgerError               a ledger cannot be built
        └── EdgeReportInvalid     an edge report is unreadable (``source``, ``problem``)

A window whose counts do not reconcile is refused by releases (`UnreconciledWindow`).
"""

from __future__ import annotations

from assay.errors import AssayError


class LedgerError(AssayError):
    """Root of the ledger errors; all terminal."""


class EdgeReportInvalid(LedgerError):
    """An edge report is not an ``assay-edge status --json`` document with a ledger."""

    def __init__(self, source: str, problem: str) -> None:
        self.source, self.problem = source, problem
        super().__init__(f"edge report {source}: {problem}")
