"""Building a contract's ledger from edge to release, for the release manifest.

The figures come from where each layer keeps them, read once at release time:

1. the edge's reports (`_edge`): per producer, the readings Kafka acknowledged for the
   contract's topic and the seqs held, dropped or parked at the gateway;
2. Kafka: per partition the log start and end and the ingest group's committed offset;
3. the audit (`assay.govern.audit`) over the raw segments, their summaries, the curated,
   quarantine and dead-letter objects and the steward decisions: per partition
   ``produced = curated + quarantined + dead-lettered + duplicates`` and every discrepancy;
4. the raw segments' ``producer_id`` and ``seq`` columns: per producer the seqs landed;
5. the release's files: rows in total and per producer.

`_reconcile.reconcile` then names every gap, and the ledger (gaps and a steward's
acceptance included) is hashed, so ``assay release verify`` can recompute both.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import Any

from assay.govern.audit import Audit, OffsetsOf, Totals, audit
from assay.govern.ledger._edge import EdgeTopic
from assay.govern.ledger._inputs import LedgerInputs
from assay.govern.ledger._reconcile import FORMAT, holes, reconcile, runs, within
from assay.store import layout, partitions
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore
from schemas import Contract, topic_name

#: Seq ranges stored per missing-readings gap; the count is always exact.
STORED_RANGES = 100


def build(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    inputs: LedgerInputs,
    release: dict[str, Any],
) -> dict[str, Any]:
    """The ledger of ``contract`` for a release whose ``release`` figures are ``rows``,
    ``files`` and ``by_producer`` (None when the release masks ``producer_id``)."""
    offsets = inputs.offsets
    checked = audit(store, buckets, buckets.deadletter, contract, offsets or {})
    landed, ends = _landed(store, buckets, contract)
    ledger = {
        "format": FORMAT,
        "contract": contract.name,
        "topic": topic_name(contract),
        "kafka": inputs.kafka | {"consulted": offsets is not None},
        "edge_reports": inputs.reports,
        "partitions": _partitions(checked, offsets, ends),
        "producers": _producers(landed, list(inputs.edge), release.get("by_producer")),
        "decisions": {"accepted": checked.totals.accepted, "rejected": checked.totals.rejected},
        "pipeline_problems": list(checked.problems),
        "release": {"rows": release["rows"], "files": release["files"]},
    }
    return ledger | {"gaps": [g.to_dict() for g in reconcile(ledger, release["rows"])]}


def _partitions(
    checked: Audit, offsets: OffsetsOf | None, ends: dict[int, int]
) -> list[dict[str, Any]]:
    out = []
    for p, totals in sorted(checked.partitions.items()):
        start, end, committed = offsets.get(p, (0, 0, None)) if offsets is not None else (None,) * 3
        landed_to = committed if committed is not None else ends.get(p, 0)
        out.append(
            {
                "partition": p,
                "log_start": start,
                "log_end": end,
                "committed": committed,
                "landed_to": landed_to,
                **_figures(totals),
            }
        )
    return out


def _figures(t: Totals) -> dict[str, int]:
    names = ("produced", "curated", "quarantined", "dead_lettered", "duplicates",
             "awaiting_validation", "accepted", "rejected", "lost_records", "expired")  # fmt: skip
    return {name: getattr(t, name) for name in names}


def _landed(
    store: ObjectStore, buckets: Buckets, contract: Contract
) -> tuple[dict[str, list[int]], dict[int, int]]:
    """Per producer every seq in the stored raw segments; per partition the last end offset."""
    import pyarrow.parquet as pq

    seqs: dict[str, list[int]] = defaultdict(list)
    ends: dict[int, int] = {}
    for p in partitions.landed(store, buckets.raw, contract):  # added ones too
        prefix = layout.partition_prefix(contract.name, contract.major, p)
        for key in [k for k in store.keys(buckets.raw, prefix) if k.endswith(".parquet")]:
            meta = store.head(buckets.raw, key) or {}
            ends[p] = max(ends.get(p, 0), int(meta.get("end-offset", 0)))
            parquet = pq.ParquetFile(io.BytesIO(store.get(buckets.raw, key)))
            if {"producer_id", "seq"} <= set(parquet.schema_arrow.names):
                table = parquet.read(columns=["producer_id", "seq"])
                for who, seq in zip(
                    table["producer_id"].to_pylist(), table["seq"].to_pylist(), strict=True
                ):
                    seqs[str(who)].append(int(seq))
    return seqs, ends


def _producers(
    landed: dict[str, list[int]], edge: list[EdgeTopic], in_release: dict[str, int] | None
) -> list[dict[str, Any]]:
    reports = {e.producer_id: e for e in edge}
    out = []
    for who in sorted(set(landed) | set(reports) | set(in_release or {})):
        seqs = landed.get(who, [])
        distinct = sorted(set(seqs))
        out.append(
            {
                "producer_id": who,
                "landed": len(seqs),
                "distinct": len(distinct),
                "duplicates": len(seqs) - len(distinct),
                "first_seq": distinct[0] if distinct else None,
                "last_seq": distinct[-1] if distinct else None,
                "in_release": None if in_release is None else in_release.get(who, 0),
                "edge": _edge(reports[who], distinct) if who in reports else None,
            }
        )
    return out


def _edge(e: EdgeTopic, distinct: list[int]) -> dict[str, Any]:
    """The report's figures, and the landed seqs it can be compared with: those it had
    spooled, minus those still held, dropped or parked at the gateway."""
    scope = [e.since_seq, e.last_seq]
    in_scope = within(distinct, scope, e.excluded)
    missing: list[list[int]] = []
    if len(in_scope) < e.sent:
        missing = holes(runs(in_scope), [max(e.since_seq, e.first_seq), e.last_seq], e.excluded)
    return {
        "report_sha256": e.report_sha256,
        "source": e.source,
        "signature": e.signature,
        "since_seq": e.since_seq,
        "first_seq": e.first_seq,
        "last_seq": e.last_seq,
        "single_topic": len(e.topics) == 1,
        "spooled": e.spooled,
        "sent": e.sent,
        "held_ranges": e.held_ranges,
        "dropped_ranges": e.dropped_ranges,
        "parked_ranges": e.parked_ranges,
        "landed_in_scope": len(in_scope),
        "missing_ranges": missing[:STORED_RANGES],
    }
