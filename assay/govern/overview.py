"""One contract at a glance, for the steward console's overview: volume, rates, freshness,
and the GB/T 36344 scores over every validated segment (with each segment's overall and
per-dimension scores, in offset order, as the trends: the last `TREND_SEGMENTS`).

Everything is read from object metadata and the segments' ``summary.json``; the only data
read is the event-time column of each partition's newest raw segment (for freshness).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow.compute as pc

from assay.govern.releases._quality import quality_summary
from assay.pipeline.validate.curation import Summary
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore
from assay.store.parquet import from_parquet
from schemas import Contract, QualityDimension

DAYS_SHOWN = 14
TREND_SEGMENTS = 60


@dataclass(frozen=True)
class ContractOverview:
    """What a steward looks at first for one contract."""

    contract: str
    version: str
    produced: int = 0
    curated: int = 0
    quarantined: int = 0
    dead_lettered: int = 0
    last_event: datetime | None = None
    per_day: list[tuple[str, int]] = field(default_factory=list)  # (date, curated rows)
    quality: dict[str, Any] = field(default_factory=dict)  # `quality_summary`'s form
    trend: list[float] = field(default_factory=list)  # each segment's overall score
    #: dimension -> each segment's score of it (segments that checked it), oldest first
    dimension_trends: dict[str, list[float]] = field(default_factory=dict)

    @property
    def quarantine_rate(self) -> float | None:
        """Quarantined readings per validated reading."""
        done = self.curated + self.quarantined
        return self.quarantined / done if done else None

    @property
    def deadletter_rate(self) -> float | None:
        """Dead-lettered readings per reading produced."""
        return self.dead_lettered / self.produced if self.produced else None


def contract_overview(store: ObjectStore, buckets: Buckets, contract: Contract) -> ContractOverview:
    """Read one contract's figures from the store."""
    prefix = layout.dataset_prefix(contract.name, contract.major)
    raw = [k for k in store.keys(buckets.raw, prefix) if k.endswith(".parquet")]
    heads = {k: store.head(buckets.raw, k) or {} for k in raw}
    summaries = _summaries(store, buckets.reports, prefix)
    return ContractOverview(
        contract=contract.name,
        version=contract.version,
        produced=sum(
            int(h.get("readings", 0)) + int(h.get("dead-readings", 0)) for h in heads.values()
        ),
        curated=sum(s.curated for s in summaries),
        quarantined=sum(s.quarantined for s in summaries),
        dead_lettered=sum(int(h.get("dead-readings", 0)) for h in heads.values()),
        last_event=_last_event(store, buckets.raw, contract, raw),
        per_day=_per_day(store, buckets.curated, prefix),
        quality=quality_summary(summaries),
        trend=[s.scores["score"] for s in summaries if s.scores.get("score") is not None][
            -TREND_SEGMENTS:
        ],
        dimension_trends=dimension_trends(summaries),
    )


def contract_quality(store: ObjectStore, buckets: Buckets, contract: Contract) -> dict[str, Any]:
    """The six dimension scores over every validated segment (`quality_summary`'s form)."""
    prefix = layout.dataset_prefix(contract.name, contract.major)
    return quality_summary(_summaries(store, buckets.reports, prefix))


def dimension_trends(summaries: list[Summary]) -> dict[str, list[float]]:
    """Each GB/T 36344 dimension's score per segment, oldest first; a segment that checked
    nothing of a dimension adds no point to it."""
    found: dict[str, list[float]] = {str(d): [] for d in QualityDimension}
    for summary in summaries:
        for d in summary.scores.get("dimensions", ()):
            if d.get("score") is not None and d.get("dimension") in found:
                found[d["dimension"]].append(float(d["score"]))
    return {d: points[-TREND_SEGMENTS:] for d, points in found.items()}


def _summaries(store: ObjectStore, bucket: str, prefix: str) -> list[Summary]:
    keys = [k for k in store.keys(bucket, prefix) if k.endswith("/summary.json")]
    return [Summary.loads(store.get(bucket, k)) for k in sorted(keys, key=layout.Segment.parse)]


def _last_event(
    store: ObjectStore, bucket: str, contract: Contract, keys: list[str]
) -> datetime | None:
    newest: dict[int, str] = {}
    for key in layout.in_offset_order(keys):
        newest[layout.Segment.parse(key).partition] = key
    found = []
    for key in newest.values():
        column = from_parquet(store.get(bucket, key), columns=[contract.event_time])[0]
        if (value := pc.max(column).as_py()) is not None:
            found.append(value)
    return max(found, default=None)


def _per_day(store: ObjectStore, bucket: str, prefix: str) -> list[tuple[str, int]]:
    days: dict[str, int] = {}
    for key in (k for k in store.keys(bucket, prefix) if k.endswith(".parquet")):
        day = layout.curated_partition(key).get("date")
        if day is not None:
            days[day] = days.get(day, 0) + int((store.head(bucket, key) or {}).get("rows", 0))
    return sorted(days.items())[-DAYS_SHOWN:]
