"""How `assay topics ensure` reports a topic's partitions against its contract's count."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assay.devstack.topics import describe
from producers.topics import TopicState

COUNTS = st.integers(1, 1024)


@given(COUNTS, COUNTS)
def test_added_partitions_are_reported_as_added_never_as_a_mismatch(wanted: int, has: int) -> None:
    state = TopicState("assay.x.v1", has, wanted, created=False)
    said = describe(state)
    assert state.matches == (has >= wanted)
    assert state.added == max(0, has - wanted)
    assert ("contract wants" in said) == (has < wanted)
    assert (f"{has - wanted} partitions added" in said) == (has > wanted)
