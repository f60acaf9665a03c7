"""Where a release came from: the raw segments behind its curated objects, and their reports.

Every curated object is named after its raw segment (``<topic>-p<partition>-o<offset>``), so
the raw object, its Kafka offset range (``start-offset`` / ``end-offset`` in its metadata)
and its validation reports are found from the name alone.
"""

from __future__ import annotations

from typing import Any

from assay.govern.releases._manifest import sha256
from assay.pipeline.validate.curation import Summary
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore
from schemas import Contract


def segments_of(curated_keys: list[str]) -> list[layout.Segment]:
    """The distinct raw segments behind some curated objects, in order (objects of accepted
    quarantined rows are named after their decision, see `decisions_of`)."""
    keys = [k for k in curated_keys if layout.accepted_decision(k) is None]
    return sorted({layout.Segment.parse(key) for key in keys})


def decisions_of(
    store: ObjectStore, buckets: Buckets, contract: Contract, curated_keys: list[str]
) -> list[dict[str, Any]]:
    """The steward decisions whose accepted rows some curated objects hold, by id."""
    from assay.govern.triage import read_decision

    named = (layout.accepted_decision(k) for k in curated_keys)
    ids = sorted({name for name in named if name is not None})
    found = []
    for decision_id in ids:
        d = read_decision(store, buckets.quarantine, contract, decision_id)
        key = layout.decision_key(contract.name, contract.major, d.id)
        found.append({"id": d.id, "verdict": d.verdict, "by": d.by, "at": d.at,
                      "reason": d.reason, "rows": len(d.rows), "bucket": buckets.quarantine,
                      "key": key})  # fmt: skip
    return found


def segment_lineage(
    store: ObjectStore, buckets: Buckets, contract: Contract, seg: layout.Segment
) -> dict[str, Any]:
    """One segment's raw object and Kafka offset range (null when the raw object is gone)."""
    raw_key = layout.raw_key(contract.name, contract.major, seg)
    meta = store.head(buckets.raw, raw_key) or {}
    return {
        "stem": seg.stem,
        "topic": seg.topic,
        "partition": seg.partition,
        "start_offset": _int(meta.get("start-offset")),
        "end_offset": _int(meta.get("end-offset")),
        "raw_key": raw_key,
        "contract_version": meta.get("contract-version"),
    }


def segment_reports(
    store: ObjectStore, buckets: Buckets, contract: Contract, seg: layout.Segment
) -> tuple[dict[str, Any], Summary | None]:
    """The manifest's entry for one segment's reports, and its parsed summary."""
    prefix = layout.report_prefix(contract.name, contract.major, seg)
    summary_raw = _get(store, buckets.reports, prefix + "summary.json")
    validation_raw = _get(store, buckets.reports, prefix + "validation.json")
    entry = {
        "segment": seg.stem,
        "bucket": buckets.reports,
        "prefix": prefix,
        "summary": _ref(prefix + "summary.json", summary_raw),
        "validation": _ref(prefix + "validation.json", validation_raw),
        "scores_key": prefix + "scores.json",
        "data_docs_key": prefix + "data_docs.html",
    }
    return entry, Summary.loads(summary_raw) if summary_raw else None


def _get(store: ObjectStore, bucket: str, key: str) -> bytes | None:
    return store.get(bucket, key) if store.head(bucket, key) is not None else None


def _ref(key: str, data: bytes | None) -> dict[str, str] | None:
    return {"key": key, "sha256": sha256(data)} if data is not None else None


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None
