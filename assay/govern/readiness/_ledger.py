"""The ledger in the readiness report: recomputed from the manifest, never copied.

A reviewer sees, per producer and partition, the counts from the edge's spool to the rows
in the release, whether the ledger recomputes (its sha256 and gaps, as ``assay release
verify`` checks them), each gap and the steward's acceptance of it.
"""

from __future__ import annotations

from typing import Any


def ledger_figures(manifest: dict[str, Any]) -> dict[str, Any]:
    """``readiness.json``'s ``ledger``: absent (``present: false``) for older releases."""
    from assay.govern.ledger import check

    ledger = manifest.get("ledger")
    if ledger is None:
        return {"present": False}
    rows = sum(f["rows"] or 0 for f in manifest["files"])
    problems = check(ledger, rows)
    return {
        "present": True,
        "sha256": ledger["sha256"],
        "recomputed": not problems,
        "problems": problems,
        "reconciled": not ledger["gaps"],
        "gaps": [g["detail"] for g in ledger["gaps"]],
        "accepted_gap": ledger["accepted_gap"],
        "kafka_consulted": ledger["kafka"]["consulted"],
        "producers": [_producer(p) for p in ledger["producers"]],
        "partitions": [p for p in ledger["partitions"] if p["produced"] or p["log_end"]],
        "release_rows": ledger["release"]["rows"],
    }


def _producer(p: dict[str, Any]) -> dict[str, Any]:
    edge = p["edge"]
    return {
        "producer_id": p["producer_id"],
        "edge_sent": None if edge is None else edge["sent"],
        "edge_held": None if edge is None else sum(b - a + 1 for a, b in edge["held_ranges"]),
        "landed": p["distinct"],
        "duplicates": p["duplicates"],
        "in_release": p["in_release"],
    }
