"""Triage: a steward's decisions on quarantined rows, and accepted rows joining curated.

``decide`` records who accepted (a false positive) or rejected which rows and why, as an
append-only record in the quarantine bucket; accepted rows become curated objects named
after the decision. ``decisions`` reads them back for the audit, a release's manifest and
the console.
"""

from assay.govern.triage._decisions import (
    AlreadyCurated,
    TriageDecision,
    TriageError,
    Verdict,
    decide,
    decided_rows,
    decision_problems,
    decisions,
    materialize,
    read_decision,
)
from assay.govern.triage._rows import RowFilter, RowRef, selected

__all__ = [
    "AlreadyCurated",
    "RowFilter",
    "RowRef",
    "TriageDecision",
    "TriageError",
    "Verdict",
    "decide",
    "decided_rows",
    "decision_problems",
    "decisions",
    "materialize",
    "read_decision",
    "selected",
]
