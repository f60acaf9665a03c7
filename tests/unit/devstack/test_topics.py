"""How `assay topics ensure` reports a topic's partitions against its contract's count."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.config import load_settings
from assay.devstack.topics import describe, ensure_topics
from assay.errors import KafkaUnavailable
from producers.topics import TopicState
from schemas import edge_status, topic_name

COUNTS = st.integers(1, 1024)


@given(COUNTS, COUNTS)
def test_added_partitions_are_reported_as_added_never_as_a_mismatch(wanted: int, has: int) -> None:
    state = TopicState("assay.x.v1", has, wanted, created=False)
    said = describe(state)
    assert state.matches == (has >= wanted)
    assert state.added == max(0, has - wanted)
    assert ("contract wants" in said) == (has < wanted)
    assert (f"{has - wanted} partitions added" in said) == (has > wanted)


def _refusing(status_error: Exception):  # type: ignore[no-untyped-def]
    """``producers.ensure_topics`` as a principal sees it that may manage the contracts'
    topics but gets ``status_error`` for the status reports' topic."""
    from producers import SinkError

    def ensure(bootstrap, contracts, *, status_topic=False, **_):  # type: ignore[no-untyped-def]
        if status_topic:
            raise SinkError(edge_status.TOPIC, f"cannot create: {status_error}") from status_error
        return [TopicState(topic_name(c), c.partitions, c.partitions, False) for c in contracts]

    return ensure


def test_a_principal_refused_the_status_topic_still_ensures_the_contracts_topics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kafka.errors import TopicAuthorizationFailedError

    import producers

    monkeypatch.setattr(producers, "ensure_topics", _refusing(TopicAuthorizationFailedError()))
    settings = load_settings()
    said = ensure_topics(settings, settings.contracts())
    assert said[edge_status.TOPIC].startswith("not ensured: ")
    assert "as the Kafka admin" in said[edge_status.TOPIC]
    assert all(said[topic_name(c)] == "exists" for c in settings.contracts())


def test_a_status_topic_out_of_reach_is_an_error_not_a_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kafka.errors import KafkaTimeoutError

    import producers

    monkeypatch.setattr(producers, "ensure_topics", _refusing(KafkaTimeoutError()))
    settings = load_settings()
    with pytest.raises(KafkaUnavailable) as caught:
        ensure_topics(settings, settings.contracts())
    assert caught.value.topic == edge_status.TOPIC
