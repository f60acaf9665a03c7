"""A release's quality summary: the segment summaries' accounting and scores, added up.

Each segment's score per GB/T 36344 dimension is ``passed / checked`` over (row, rule)
pairs; adding ``checked`` and ``passed`` over segments and dividing again gives the
score of the union, not an average of averages. The basis is whole validated segments
(curated and quarantined rows alike), which may reach past the release's date window.
"""

from __future__ import annotations

from typing import Any

from assay.pipeline.validate.curation import Summary
from schemas import QualityDimension, label

BASIS = (
    "validated segments the released curated objects came from (whole segments: "
    "curated and quarantined rows)"
)
_COUNTS = ("readings", "curated", "quarantined", "duplicates", "dead_readings")


def quality_summary(summaries: list[Summary]) -> dict[str, Any]:
    """Counts and the six dimension scores over some segment summaries."""
    dimensions = [_dimension(d, summaries) for d in QualityDimension]
    checked = sum(d["checked"] for d in dimensions)
    passed = sum(d["passed"] for d in dimensions)
    counts = {name: sum(getattr(s, name) for s in summaries) for name in _COUNTS}
    return {
        "basis": BASIS,
        "segments": len(summaries),
        **counts,
        "checked": checked,
        "passed": passed,
        "score": _ratio(passed, checked),
        "dimensions": dimensions,
    }


def _dimension(dimension: QualityDimension, summaries: list[Summary]) -> dict[str, Any]:
    found = [
        d for s in summaries for d in s.scores.get("dimensions", ()) if d["dimension"] == dimension
    ]
    checked = sum(int(d["checked"]) for d in found)
    passed = sum(int(d["passed"]) for d in found)
    return {
        "dimension": str(dimension),
        "label_zh": label(dimension),
        "label_en": label(dimension, "en"),
        "checked": checked,
        "passed": passed,
        "failed": checked - passed,
        "score": _ratio(passed, checked),
    }


def _ratio(passed: int, checked: int) -> float | None:
    return round(passed / checked, 6) if checked else None
