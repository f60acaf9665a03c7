"""Segments validated in groups write exactly what they write validated one at a time."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import land_partition
from assay.pipeline.validate import curation
from assay.pipeline.validate.grouped import assumed_tails, same_tail
from assay.store.objects import MemoryStore
from assay.store.parquet import from_parquet
from schemas import Contract, wire

from .conftest import reading, record
from .test_landing import memory_log

BUCKETS = curation.Buckets(
    raw="raw", curated="cur", quarantine="q", reports="rep", deadletter="dead"
)
#: GX stamps the moment it loaded a frame into the report and its page: never the same twice.
LOAD_TIME = re.compile(rb"\d{8}T\d{6}\.\d{6}Z")

#: What one reading can be: fine, or one fault a rule (or the dedup) catches.
FAULTS = ("ok", "power", "dip", "circuit", "null seq", "replay", "gap", "late")


def _value(n: int, fault: str, devices: int, jump: int, power: float) -> dict[str, Any]:
    second = n + jump
    overrides: dict[str, Any] = {
        "device_id": f"meter-{n % devices}",
        "event_time": f"2026-03-01T08:{second // 60 % 60:02d}:{second % 60:02d}.000Z",
        "ingest_time": f"2026-03-01T08:{second // 60 % 60:02d}:{second % 60:02d}.500Z",
        "active_power": power,
    }
    match fault:
        case "power":
            overrides["active_power"] = 9000.0
        case "dip":
            overrides["active_energy"] = 500.0 + n
        case "circuit":
            overrides["circuit"] = "bad circuit"
        case "null seq":
            overrides["seq"] = None
        case "late":
            overrides["ingest_time"] = f"2026-03-01T09:{second % 60:02d}:00.000Z"
    return reading(n, **overrides)


@st.composite
def backlogs(draw: st.DrawFn) -> tuple[list[Any], int, int]:
    """Readings of 1-3 devices with faults, replays and gaps anywhere (so across segment
    boundaries too), a stuck power value for stretches; the segment size; the group bound."""
    count = draw(st.integers(40, 160))
    faults = draw(st.lists(st.sampled_from(FAULTS), min_size=count, max_size=count))
    devices, stuck = draw(st.integers(1, 3)), draw(st.booleans())
    records, jump = [], 0
    for n, fault in enumerate(faults):
        jump += 45 if fault == "gap" else 0
        if fault == "replay" and n > 5:
            again = draw(st.integers(0, n - 1))
            replay = {wire.HEADER_REPLAY: "1"}
            records.append(record(len(records), records[again].value, headers=replay))
        power = 42.5 if stuck and n < 130 else 40.0 + n % 7
        records.append(record(len(records), _value(n, fault, devices, jump, power)))
    per_segment = draw(st.integers(max(8, len(records) // 6), max(9, len(records) // 2)))
    group = draw(st.sampled_from([2 * per_segment, 3 * per_segment, 10**6]))
    return records, per_segment, group


def _landed(records: list[Any], per_segment: int, contract: Contract) -> MemoryStore:
    store = MemoryStore()
    landing = LandingBuckets(raw="raw", deadletter="dead")
    land_partition(memory_log(records), store, landing, contract, max_records=per_segment)
    return store


def _outputs(store: MemoryStore) -> dict[tuple[str, str], tuple[bytes, dict[str, str]]]:
    """Every object validation wrote with its metadata, GX's load time masked."""
    return {
        key: (LOAD_TIME.sub(b"<load time>", data), meta)
        for key, (data, meta) in store.objects.items()
        if key[0] in ("cur", "q", "rep")
    }


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(backlog=backlogs())
def test_outputs_do_not_depend_on_the_grouping(
    backlog: tuple[list[Any], int, int], energy: Contract, caplog: pytest.LogCaptureFixture
) -> None:
    records, per_segment, group = backlog
    alone, grouped = _landed(records, per_segment, energy), _landed(records, per_segment, energy)
    assert _outputs(alone) == _outputs(grouped) == {}
    one_by_one = curation.validate_pending(alone, BUCKETS, energy, 0, group_readings=0)
    with caplog.at_level(logging.WARNING, logger=curation.__name__):
        together = curation.validate_pending(grouped, BUCKETS, energy, 0, group_readings=group)
    assert [r.message for r in caplog.records] == []  # validated together, no fallback
    assert together == one_by_one
    assert _outputs(grouped) == _outputs(alone)
    assert curation.pending(grouped, BUCKETS, energy, 0) == []


def test_a_segment_after_a_quarantined_last_reading_is_validated_from_the_real_tail(
    energy: Contract, caplog: pytest.LogCaptureFixture
) -> None:
    """One device; the first segment's last reading is out of range, so the real tail is the
    reading before it, 35 s before the next segment's first (a gap) — not the 10 s the tail
    assumed while validating the group would give."""
    seconds = [0, 5, 10, 15, 20, 45, 55, 60, 65]
    values = [
        _value(n, "power" if n == 5 else "ok", 1, at - n, 40.0 + n) for n, at in enumerate(seconds)
    ]
    records = [record(n, value) for n, value in enumerate(values)]
    alone, grouped = _landed(records, 6, energy), _landed(records, 6, energy)
    one_by_one = curation.validate_pending(alone, BUCKETS, energy, 0, group_readings=0)
    first, second = [_raw(alone, s.raw_key) for s in one_by_one]
    assumed = assumed_tails(energy, None, [first, second])[1]
    real = _stored_tail(alone, energy, one_by_one[0].raw_key)
    assert not same_tail(assumed, real)
    assert one_by_one[1].by_rule == {"max_gap:active_power": 1}
    with caplog.at_level(logging.WARNING, logger=curation.__name__):
        together = curation.validate_pending(grouped, BUCKETS, energy, 0)
    assert caplog.records == []
    assert together == one_by_one
    assert _outputs(grouped) == _outputs(alone)


def test_no_tail_and_an_empty_one_are_alike(energy: Contract) -> None:
    store = _landed([record(n, reading(n)) for n in range(4)], 10, energy)
    (summary,) = curation.validate_pending(store, BUCKETS, energy, 0)
    tail = _stored_tail(store, energy, summary.raw_key)
    assert tail.num_rows == 3  # one reading per device
    assert same_tail(tail, tail) and same_tail(None, tail.slice(0, 0))
    assert not same_tail(None, tail) and not same_tail(tail.slice(0, 1), tail)


def _raw(store: MemoryStore, key: str) -> Any:
    return from_parquet(store.get("raw", key))


def _stored_tail(store: MemoryStore, contract: Contract, raw_key: str) -> Any:
    return from_parquet(store.get("rep", curation._tail_key(contract, raw_key)))


def test_a_segment_that_does_not_cast_leaves_the_assumed_tail(energy: Contract) -> None:
    store = _landed([record(n, reading(n)) for n in range(4)], 10, energy)
    (summary,) = curation.validate_pending(store, BUCKETS, energy, 0)
    raw = _raw(store, summary.raw_key)
    assert assumed_tails(energy, None, [raw.drop_columns(["circuit"]), raw]) == [None, None]
    assert assumed_tails(energy, None, [raw, raw])[1] is not None


def test_a_segment_of_dead_letters_alone_is_stamped_with_their_kafka_time(
    energy: Contract,
) -> None:
    """A segment without one reading has no ingest time: its report carries its dead letters'
    latest Kafka timestamp, so validating it again writes the same bytes."""
    records = [record(n, _value(n, "null seq", 1, 0, 40.0)) for n in range(6)]
    first, again = _landed(records, 10, energy), _landed(records, 10, energy)
    (outcome,) = curation.validate_pending(first, BUCKETS, energy, 0)
    curation.validate_pending(again, BUCKETS, energy, 0)
    assert (outcome.readings, outcome.dead_readings) == (0, 6)
    assert _outputs(first) == _outputs(again)
    (report,) = [d for (b, k), (d, _) in first.objects.items() if k.endswith("validation.json")]
    latest = max(r.timestamp for r in records)
    stamp = datetime.fromtimestamp(latest / 1000, UTC).isoformat()
    assert f'"run_time": "{stamp}"'.encode() in report
