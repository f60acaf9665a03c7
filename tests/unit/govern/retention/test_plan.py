"""The pure decisions of retention, over generated times and version histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from assay.govern.retention import Periods, due_layers, noncurrent_due
from assay.store.versions import ObjectVersion

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PERIODS = Periods(raw=timedelta(days=90), curated=timedelta(days=1095))
hours = st.integers(min_value=0, max_value=24 * 2000)


@given(hours, hours)
def test_layers_only_ever_grow_with_time(first: int, later: int) -> None:
    early = due_layers(T0, T0 + timedelta(hours=first), PERIODS, validated=True, done=set())
    late = due_layers(T0, T0 + timedelta(hours=first + later), PERIODS, validated=True, done=set())
    assert set(early) <= set(late)
    assert ("curated" in late) <= ("raw" in late)


@given(hours)
def test_nothing_unvalidated_is_due(age: int) -> None:
    assert due_layers(T0, T0 + timedelta(hours=age), PERIODS, validated=False, done=set()) == []


def test_what_is_done_is_not_due_again() -> None:
    now = T0 + timedelta(days=100)
    assert due_layers(T0, now, PERIODS, validated=True, done=set()) == [
        "raw",
        "deadletter",
        "quarantine",
    ]
    assert (
        due_layers(T0, now, PERIODS, validated=True, done={"raw", "deadletter", "quarantine"}) == []
    )


@st.composite
def histories(draw: st.DrawFn) -> list[ObjectVersion]:
    """One key's versions, newest first, the newest maybe a delete marker."""
    gaps = draw(st.lists(st.integers(min_value=0, max_value=24 * 200), min_size=1, max_size=8))
    times = [T0 + timedelta(hours=sum(gaps[: i + 1])) for i in range(len(gaps))][::-1]
    marker = draw(st.booleans())
    return [
        ObjectVersion("k", f"v{i}", t, latest=i == 0, delete_marker=marker and i == 0)
        for i, t in enumerate(times)
    ]


@given(histories(), hours)
def test_the_current_version_stays_and_replaced_ones_go_in_time(
    versions: list[ObjectVersion], age: int
) -> None:
    now, keep = versions[0].modified + timedelta(hours=age), timedelta(days=90)
    due = noncurrent_due(versions, now, keep)
    newer = {old.version_id: new for new, old in pairwise(versions)}
    for version in due:
        if version is versions[0]:
            assert version.delete_marker and len(due) == len(versions)
        else:
            assert now - newer[version.version_id].modified >= keep
    assert set(versions[1:]) - set(due) == {
        v for v in versions[1:] if now - newer[v.version_id].modified < keep
    }
