"""Trend lines: every score inside the box, newest at the right edge, the axis said."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assay.console._charts import FLOOR, trend


@given(st.lists(st.floats(0.0, 1.0), max_size=80))
def test_every_point_lies_in_the_box(scores: list[float]) -> None:
    drawn = trend(scores, 160, 36)
    points = [tuple(map(float, p.split(","))) for p in drawn.points.split()]
    assert len(points) == len(scores)
    assert all(0 <= x <= 160 and 0 <= y <= 36 for x, y in points)
    assert drawn.low <= min(scores, default=1.0) and drawn.low <= FLOOR
    if len(points) > 1:
        assert points[-1][0] == 160.0 and drawn.drawn


def test_a_higher_score_is_drawn_higher() -> None:
    [(_, low), (_, high)] = [
        tuple(map(float, p.split(","))) for p in trend([0.95, 1.0]).points.split()
    ]
    assert high < low
