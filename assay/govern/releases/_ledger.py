"""A release's ledger: built from the pipeline's records, refused with its gaps, sealed.

The ledger itself lives in `assay.govern.ledger`; this module hands it the release's side
(rows in total and per producer) and decides: a window with gaps is refused, naming them,
unless the request carries a steward's reason (``--accept-gap``), which is recorded with
who gave it and when in the manifest's ``ledger.accepted_gap`` and shown on the card.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import TYPE_CHECKING, Any

from assay.govern.releases._errors import UnreconciledWindow
from assay.govern.releases._masking import FieldTreatment
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore
from schemas import Contract

if TYPE_CHECKING:
    from assay.govern.ledger import LedgerInputs
    from assay.govern.releases._snapshot import DataFile


def window_ledger(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    window: tuple[str, str],
    edge_reports: tuple[tuple[str, bytes], ...],
    acceptance: dict[str, Any] | None,
    released: tuple[list[FieldTreatment], list[DataFile]],
    inputs: LedgerInputs | None,
) -> dict[str, Any]:
    """The sealed ledger of a request, or `UnreconciledWindow` naming its gaps.

    ``acceptance`` is the steward's ``{by, at, reason}`` for releasing despite gaps (None:
    refuse them); ``released`` the masking plan and the files; ``inputs`` Kafka's offsets and
    the edge reports (None: ``edge_reports`` alone, Kafka not consulted)."""
    from assay.govern.ledger import Gap, build_ledger, from_files, seal

    plan, files = released
    release = {
        "rows": sum(f.entry.rows or 0 for f in files),
        "files": len(files),
        "by_producer": _by_producer(plan, files),
    }
    inputs = inputs if inputs is not None else from_files(edge_reports, contract)
    ledger = build_ledger(store, buckets, contract, inputs, release)
    gaps = ledger["gaps"]
    if gaps and acceptance is None:
        raise UnreconciledWindow(contract.name, window, [Gap(**g) for g in gaps])
    return seal(ledger, acceptance | {"gaps": len(gaps)} if gaps and acceptance else None)


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
