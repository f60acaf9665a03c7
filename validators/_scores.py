"""Quality scores of one batch by GB/T 36344-2018 dimension.

For each dimension the score is the share of checked (row, rule) pairs that
passed, over every rule of that dimension: ``passed / checked``. A pair is
checked when the rule applied to the row (value rules skip nulls, which the
not-null rules count; stream rules skip a device's first reading). A dimension
with no checked pair has score ``None`` (JSON ``null``), not a perfect 1.0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from schemas import QualityDimension, label
from validators._split import RuleCount, SplitSummary

__all__ = ["DimensionScore", "QualityScores", "score_dimensions"]


@dataclass(frozen=True)
class DimensionScore:
    """One dimension's score and the rules behind it."""

    dimension: str
    label_zh: str
    label_en: str
    checked: int
    passed: int
    failed: int
    score: float | None
    rules: tuple[str, ...]


@dataclass(frozen=True)
class QualityScores:
    """Scores of all six dimensions, in GB/T 36344 order, and over all of them."""

    dimensions: tuple[DimensionScore, ...]
    checked: int
    passed: int
    score: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data."""
        return asdict(self)

    def get(self, dimension: QualityDimension | str) -> DimensionScore:
        """The score of one dimension."""
        return next(d for d in self.dimensions if d.dimension == str(dimension))


def _ratio(passed: int, checked: int) -> float | None:
    return passed / checked if checked else None


def _dimension(dimension: QualityDimension, counts: list[RuleCount]) -> DimensionScore:
    checked = sum(c.checked for c in counts)
    failed = sum(c.failed for c in counts)
    return DimensionScore(
        dimension=str(dimension),
        label_zh=label(dimension),
        label_en=label(dimension, "en"),
        checked=checked,
        passed=checked - failed,
        failed=failed,
        score=_ratio(checked - failed, checked),
        rules=tuple(c.rule_id for c in counts),
    )


def score_dimensions(summary: SplitSummary) -> QualityScores:
    """Score each GB/T 36344 dimension from a batch's per-rule counts."""
    dimensions = tuple(
        _dimension(d, [c for c in summary.rules if c.dimension == str(d)]) for d in QualityDimension
    )
    checked = sum(d.checked for d in dimensions)
    passed = sum(d.passed for d in dimensions)
    return QualityScores(dimensions, checked, passed, _ratio(passed, checked))
