"""Time is never guessed: offsets required unless the contract names the source's zone; epoch
event times read as numbers; a missing ingest time is the Kafka record's timestamp."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assay.pipeline.ingest.deadletter import Reason
from schemas import Contract, to_arrow_schema, to_json_schema

from .conftest import reading, record
from .decoding import plain, run, variant

UTC = dt.UTC


def times(contract: Contract, out: object, name: str = "event_time") -> list[dt.datetime]:
    return out.table(to_arrow_schema(contract))[name].to_pylist()  # type: ignore[attr-defined]


@pytest.mark.parametrize("field", ["event_time", "ingest_time"])
@pytest.mark.parametrize("value", ["2026-11-27T10:00:00", "2026-11-27 10:00:00.5", "2026-11-27"])
def test_a_timestamp_without_offset_is_not_taken_as_utc(
    energy: Contract, field: str, value: str
) -> None:
    out = run(energy, [record(0, reading(0)), record(1, reading(1, **{field: value}))])
    assert [(d.record.offset, d.reason) for d in out.dead] == [(1, Reason.NAIVE_TIMESTAMP)]
    assert field in out.dead[0].detail and "timezone" in out.dead[0].detail


def test_offsets_are_converted_to_utc(energy: Contract) -> None:
    out = run(energy, [record(0, reading(0, event_time="2026-11-27T10:00:00.250+08:00"))])
    assert times(energy, out) == [dt.datetime(2026, 11, 27, 2, 0, 0, 250_000, tzinfo=UTC)]


def test_the_contracts_timezone_places_local_times_and_is_counted(energy: Contract) -> None:
    shanghai = variant(energy, timezone="Asia/Shanghai")
    records = [
        record(0, reading(0, event_time="2026-11-27T10:00:00", ingest_time="2026-11-27T10:00:01")),
        record(1, reading(1, event_time="2026-11-27T10:00:00Z")),
    ]
    out = run(shanghai, records)
    assert times(shanghai, out) == [
        dt.datetime(2026, 11, 27, 2, tzinfo=UTC),
        dt.datetime(2026, 11, 27, 10, tzinfo=UTC),
    ]
    assert out.metadata() == {"timezone-converted": "2"}


@pytest.mark.parametrize("local", ["2026-03-29T02:30:00", "2026-10-25T02:30:00"])
def test_a_local_time_a_dst_change_skips_or_repeats_is_refused(
    energy: Contract, local: str
) -> None:
    berlin = variant(energy, timezone="Europe/Berlin")
    out = run(berlin, [record(0, reading(0, event_time=local)), record(1, reading(1))])
    assert [(d.record.offset, d.reason) for d in out.dead] == [(0, Reason.NAIVE_TIMESTAMP)]
    assert "Europe/Berlin" in out.dead[0].detail


def test_garbage_beside_naive_times_is_a_type_mismatch(energy: Contract) -> None:
    records = [
        record(0, reading(0, event_time="yesterday")),
        record(1, reading(1, event_time="2026-11-27T10:00:00")),
        record(2, reading(2, event_time="2026-11-27T10:00:00.1234Z")),  # finer than ms
        record(3, reading(3)),
    ]
    out = run(energy, records)
    assert [(d.record.offset, d.reason) for d in out.dead] == [
        (0, Reason.TYPE_MISMATCH),
        (1, Reason.NAIVE_TIMESTAMP),
        (2, Reason.TYPE_MISMATCH),
    ]


@pytest.mark.parametrize(
    ("encoding", "value", "expected"),
    [
        ("epoch_s", 1_772_352_000, dt.datetime(2026, 3, 1, 8, tzinfo=UTC)),
        ("epoch_s", 1_772_352_000.125, dt.datetime(2026, 3, 1, 8, 0, 0, 125_000, tzinfo=UTC)),
        ("epoch_ms", 1_772_352_000_125, dt.datetime(2026, 3, 1, 8, 0, 0, 125_000, tzinfo=UTC)),
        ("epoch_us", 1_772_352_000_125_400, dt.datetime(2026, 3, 1, 8, 0, 0, 125_000, tzinfo=UTC)),
        ("epoch_ms", -1_000, dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_epoch_event_times_are_read_as_numbers(
    energy: Contract, encoding: str, value: float, expected: dt.datetime
) -> None:
    epoch = variant(energy, event_time_encoding=encoding)
    out = run(epoch, [record(0, reading(0, event_time=value))])
    assert (times(epoch, out), out.dead) == ([expected], [])


@pytest.mark.parametrize("value", ["2026-03-01T08:00:00Z", 1e300, -1e300, True])
def test_an_epoch_event_time_that_is_not_a_sane_number_is_a_type_mismatch(
    energy: Contract, value: object
) -> None:
    epoch = variant(energy, event_time_encoding="epoch_ms")
    out = run(epoch, [record(0, reading(0, event_time=value)), record(1, reading(1, event_time=1))])
    assert [(d.record.offset, d.reason) for d in out.dead] == [(0, Reason.TYPE_MISMATCH)]


def test_nan_epoch_is_a_type_mismatch(energy: Contract) -> None:
    epoch = variant(energy, event_time_encoding="epoch_ms")
    payload = json.dumps(reading(0, event_time=1)).replace('"event_time": 1', '"event_time": NaN')
    out = run(epoch, [record(0, payload.encode())])
    assert [d.reason for d in out.dead] == [Reason.TYPE_MISMATCH]


def test_epoch_applies_to_the_event_time_only(energy: Contract) -> None:
    epoch = variant(energy, event_time_encoding="epoch_ms")
    out = run(epoch, [record(0, reading(0, event_time=0, ingest_time=1))])
    assert [d.reason for d in out.dead] == [Reason.TYPE_MISMATCH]
    assert "ingest_time" in out.dead[0].detail


def test_a_foreign_reading_without_headers_or_ingest_time_gets_the_kafka_timestamp(
    energy: Contract,
) -> None:
    value = json.dumps(reading(0, ingest_time=...)).encode()
    out = run(energy, [plain(0, value, timestamp=1_772_352_000_250), plain(1, value, timestamp=-1)])
    assert times(energy, out, "ingest_time") == [
        dt.datetime(2026, 3, 1, 8, 0, 0, 250_000, tzinfo=UTC),
        None,  # Kafka had no timestamp either: quarantine's completeness rule decides
    ]
    assert out.dead == []


def test_a_reading_with_its_own_ingest_time_keeps_it(energy: Contract) -> None:
    out = run(energy, [plain(0, json.dumps(reading(0)).encode(), timestamp=0)])
    expected = dt.datetime(2026, 3, 1, 8, 0, 0, 500_000, tzinfo=UTC)
    assert times(energy, out, "ingest_time") == [expected]


def test_year_zero_is_a_type_mismatch(energy: Contract) -> None:
    out = run(energy, [record(0, reading(0, event_time="0000-01-01T00:00:00Z"))])
    assert [d.reason for d in out.dead] == [Reason.TYPE_MISMATCH]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_every_time_the_accepted_json_schema_allows_is_decoded(
    energy: Contract, data: st.DataObject
) -> None:
    """The accepted form of the JSON Schema (what third-party producers check against) never
    promises more than the decoder takes: any event time it allows (a real calendar date,
    ``format: date-time``) becomes a reading, converted to UTC."""
    pattern = to_json_schema(energy, "accepted")["properties"]["event_time"]["pattern"]
    value = data.draw(st.from_regex(pattern, fullmatch=True))
    instant = _instant(value)
    assume(instant is not None)
    out = run(energy, [record(0, reading(0, event_time=value))])
    assert out.dead == [], value
    assert times(energy, out)[0] == instant


def _instant(value: str) -> dt.datetime | None:
    """The UTC instant of an RFC 3339 value, or None for a date no calendar has (30 February)
    or an instant outside the years 1 to 9999 (those are dead letters, by design)."""
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
