"""An error event librdkafka hands out among messages carries no offset: the partition
reader names it (refused or unavailable) instead of failing on the missing offset."""

from __future__ import annotations

from typing import Any

import pytest
from confluent_kafka import KafkaError
from hypothesis import given
from hypothesis import strategies as st

from assay.errors import KafkaRefused, KafkaUnavailable
from assay.pipeline.ingest.consumer import REFUSED, KafkaPartition

CODES = [KafkaError.TOPIC_AUTHORIZATION_FAILED, KafkaError._TRANSPORT, KafkaError._PARTITION_EOF,
         KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError.GROUP_AUTHORIZATION_FAILED]  # fmt: skip


class Event:
    """What ``consume`` returns for an error: the error, no offset."""

    def __init__(self, code: int) -> None:
        self._error = KafkaError(code)

    def error(self) -> KafkaError:
        return self._error

    def offset(self) -> None:
        return None


class Good:
    def __init__(self, offset: int) -> None:
        self._offset = offset

    def error(self) -> None:
        return None

    def offset(self) -> int:
        return self._offset


class Consumer:
    def __init__(self, batch: list[Any]) -> None:
        self.batch = batch

    def assign(self, _: Any) -> None:
        pass

    def consume(self, *_: Any, **__: Any) -> list[Any]:
        return self.batch


@given(code=st.sampled_from(CODES), before=st.integers(0, 3), after=st.integers(0, 3))
def test_an_error_event_in_a_batch_is_named_not_a_type_error(
    code: int, before: int, after: int
) -> None:
    batch = (
        [Good(i) for i in range(before)]
        + [Event(code)]
        + [Good(before + 1 + i) for i in range(after)]
    )
    reader = KafkaPartition(None, "assay.energy_meter.v1", 0, "g")  # type: ignore[arg-type]
    reader._consumer = Consumer(batch)  # type: ignore[assignment]
    expected = KafkaRefused if KafkaError(code).name() in REFUSED else KafkaUnavailable
    with pytest.raises(expected) as caught:
        reader.read(0, 100, None)
    assert caught.value.topic == "assay.energy_meter.v1"
