"""Building a contract's ledger from edge to release, for the release manifest.

The figures come from where each layer keeps them, read once at release time:

1. the edge's reports (`_edge`): per producer, the readings Kafka acknowledged for the
   contract's topic and the seqs held, dropped or parked at the gateway;
2. Kafka: per partition the log start and end and the ingest group's committed offset;
3. the audit (`assay.govern.audit`) over the raw segments, their summaries, the curated,
   quarantine and dead-letter objects and the steward decisions: per partition
   ``produced = curated + quarantined + dead-lettered + duplicates`` and every discrepancy;
4. each segment's seq runs (`seqruns`, recorded at landing and kept past retention): per
   producer the seqs landed, those of segments retention removed since (``expired``), and
   those its dead letters' headers claim (``dead_lettered``, ``attributed_by: header``);
5. the release's files: rows in total and per producer.

`_reconcile.reconcile` then names every gap, and the ledger (gaps and a steward's
acceptance included) is hashed, so ``assay release verify`` can recompute both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assay.govern.audit import Audit, OffsetsOf, Totals, audit
from assay.govern.ledger._edge import EdgeTopic
from assay.govern.ledger._inputs import LedgerInputs
from assay.govern.ledger._reconcile import FORMAT, reconcile
from assay.govern.ledger._runs import Gathered, Tally, clip, empty, gather, ranges, subtract, union
from assay.pipeline.ingest.seqruns import ATTRIBUTED_BY, size
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
    found = gather(store, buckets, contract)
    ledger = {
        "format": FORMAT,
        "contract": contract.name,
        "topic": topic_name(contract),
        "kafka": inputs.kafka | {"consulted": offsets is not None},
        "edge_reports": inputs.reports,
        "partitions": _partitions(checked, offsets, found.ends),
        "producers": _producers(found, list(inputs.edge), release.get("by_producer")),
        "unsequenced": found.unsequenced,
        "dead_letters_unattributed": {str(k): n for k, n in sorted(found.unattributed.items())},
        "seqs_unrecorded": {"segments": found.unrecorded[0], "readings": found.unrecorded[1]},
        "decisions": {"accepted": checked.totals.accepted, "rejected": checked.totals.rejected},
        "pipeline_problems": list(checked.problems) + found.problems,
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


def _producers(
    found: Gathered, edge: list[EdgeTopic], in_release: dict[str, int] | None
) -> list[dict[str, Any]]:
    reports = {e.producer_id: e for e in edge}
    named = set(found.landed) | set(found.dead_lettered) | set(reports) | set(in_release or {})
    return [_producer(found, who, reports.get(who), in_release) for who in sorted(named)]


def _producer(
    found: Gathered, who: str, report: EdgeTopic | None, in_release: dict[str, int] | None
) -> dict[str, Any]:
    landed, dead = found.landed.get(who, Tally()), found.dead_lettered.get(who)
    distinct, dead_runs = landed.merged(), dead.merged() if dead else empty()
    return {
        "producer_id": who,
        "landed": landed.readings,
        "distinct": size(distinct),
        "duplicates": landed.readings - size(distinct),
        "first_seq": int(distinct[0, 0]) if len(distinct) else None,
        "last_seq": int(distinct[-1, 1]) if len(distinct) else None,
        "expired": landed.expired,
        "dead_lettered": _dead(dead, dead_runs),
        "in_release": None if in_release is None else in_release.get(who, 0),
        "edge": _edge(report, distinct, dead_runs) if report is not None else None,
    }


def _dead(dead: Tally | None, runs: np.ndarray) -> dict[str, Any] | None:
    """A producer's dead-lettered readings, as their records' headers claim them."""
    if dead is None:
        return None
    return {"readings": dead.readings, "distinct": size(runs), "attributed_by": ATTRIBUTED_BY}


def _edge(e: EdgeTopic, landed: np.ndarray, dead: np.ndarray) -> dict[str, Any]:
    """The report's figures, and the landed seqs it can be compared with: those it had
    spooled, minus those still held, dropped or parked at the gateway; then the seqs the
    producer's dead letters claim, not landed otherwise."""
    scope = ranges([[e.since_seq, e.last_seq]])
    excluded = clip(ranges(e.excluded), scope)
    in_scope = subtract(clip(landed, scope), excluded)
    dead_in_scope = subtract(subtract(clip(dead, scope), excluded), in_scope)
    accounted = size(in_scope) + size(dead_in_scope)
    missing: list[list[int]] = []
    if accounted < e.sent:
        span = clip(ranges([[max(e.since_seq, e.first_seq), e.last_seq]]), scope)
        missing = subtract(span, union(in_scope, dead_in_scope, excluded))[:STORED_RANGES].tolist()
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
        "landed_in_scope": size(in_scope),
        "dead_lettered_in_scope": size(dead_in_scope),
        "missing_ranges": missing,
    }
