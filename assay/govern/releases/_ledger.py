"""A release's ledger: built from the pipeline's records, refused with its gaps, sealed.

The ledger itself lives in `assay.govern.ledger`; this module hands it the release's side
(rows in total and per producer) and decides: a window with gaps is refused, naming them,
unless the request carries a steward's reason (``--accept-gap``), which is recorded with
who gave it and when in the manifest's ``ledger.accepted_gap`` and shown on the card.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC
from typing import TYPE_CHECKING, Any

from assay.govern.releases._errors import UnreconciledWindow
from assay.govern.releases._masking import FieldTreatment
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore

if TYPE_CHECKING:
    from assay.govern.audit import OffsetsOf
    from assay.govern.releases._release import ReleaseRequest
    from assay.govern.releases._snapshot import DataFile


def window_ledger(
    store: ObjectStore,
    buckets: Buckets,
    request: ReleaseRequest,
    plan: list[FieldTreatment],
    files: list[DataFile],
    kafka: OffsetsOf | None,
) -> dict[str, Any]:
    """The sealed ledger of a request, or `UnreconciledWindow` naming its gaps."""
    from assay.govern.ledger import Gap, build_ledger, parse_edge_report, seal
    from schemas import topic_name

    topic = topic_name(request.contract)
    parsed = [parse_edge_report(data, src, topic) for src, data in request.edge_reports]
    release = {
        "rows": sum(f.entry.rows or 0 for f in files),
        "files": len(files),
        "by_producer": _by_producer(plan, files),
    }
    edge = [e for e in parsed if e is not None]
    ledger = build_ledger(store, buckets, request.contract, kafka, edge, release)
    gaps = ledger["gaps"]
    if gaps and not request.accept_gap.strip():
        found = [Gap(**g) for g in gaps]
        raise UnreconciledWindow(request.contract.name, request.window, found)
    return seal(ledger, _accepted(request, len(gaps)) if gaps else None)


def _accepted(request: ReleaseRequest, gaps: int) -> dict[str, Any]:
    at = request.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"by": request.requested_by, "at": at, "reason": request.accept_gap, "gaps": gaps}


def _by_producer(plan: list[FieldTreatment], files: list[DataFile]) -> dict[str, int] | None:
    """Rows per producer, when the release carries ``producer_id`` as it was produced."""
    import pyarrow.parquet as pq

    kept = {p.name for p in plan if p.treatment in ("kept", "granted")}
    if "producer_id" not in kept:
        return None
    counts: Counter[str] = Counter()
    for f in files:
        column = pq.read_table(io.BytesIO(f.data), columns=["producer_id"])["producer_id"]
        counts.update(str(v) for v in column.to_pylist())
    return dict(sorted(counts.items()))
