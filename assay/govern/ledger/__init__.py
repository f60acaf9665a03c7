"""The ledger from edge to release: one count per layer, per producer and partition.

``build_ledger`` gathers, for one contract, what the edge says Kafka acknowledged (the
gateways' signed reports on the status topic, or ``assay-edge status --json`` files; both
read by ``ledger_inputs``, which every caller uses), Kafka's offsets, the raw segments, the audit's
curated / quarantined / dead-lettered / duplicate counts, the steward decisions and the rows
in the release; ``reconcile`` names every gap between them (which producer and seqs, which
partition and offsets). A release stores the sealed ledger in its manifest; ``check`` is
what ``assay release verify`` runs on it, with nothing but the manifest (a reader's install
never imports the pipeline: ``build_ledger`` imports it when called). Layout in
docs/release-format.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assay.govern.ledger._edge import EdgeTopic, parse_edge_report
from assay.govern.ledger._errors import EdgeReportInvalid, LedgerError
from assay.govern.ledger._inputs import LedgerInputs, from_files, ledger_inputs
from assay.govern.ledger._reconcile import FORMAT, Gap, check, digest, reconcile, seal

if TYPE_CHECKING:
    from assay.store.buckets import Buckets
    from assay.store.objects import ObjectStore
    from schemas import Contract

__all__ = [
    "FORMAT",
    "EdgeReportInvalid",
    "EdgeTopic",
    "Gap",
    "LedgerError",
    "LedgerInputs",
    "build_ledger",
    "check",
    "digest",
    "from_files",
    "ledger_inputs",
    "parse_edge_report",
    "reconcile",
    "seal",
]


def build_ledger(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    inputs: LedgerInputs,
    release: dict[str, Any],
) -> dict[str, Any]:
    """The unsealed ledger of ``contract``: figures per layer and the gaps they show;
    ``inputs`` are Kafka's offsets and the edge reports (`ledger_inputs`)."""
    from assay.govern.ledger._build import build

    return build(store, buckets, contract, inputs, release)
