"""Readings no payload can carry are counted, named and skipped; the writer goes on."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from producers import (
    Encoder,
    Reading,
    ReadingBatch,
    Slot,
    Spool,
    SpoolLimits,
    Unencodable,
    Writer,
)
from producers.stats import Stats
from schemas import Contract, parse_contract, shipped_contracts_dir

from .conftest import T0, reading

JSON, FRAME = Slot("mes"), Slot("mes", payload="frame")


def writer(spool: Spool, encoder: Encoder) -> Writer:
    return Writer(spool, lambda _name: encoder, Stats(), commit_interval=0.02)


def bad(i: int, **values: object) -> Reading:
    good = reading(i)
    return Reading(good.contract, good.device_id, good.event_time, {**good.values, **values})


@pytest.mark.parametrize("slot", [JSON, FRAME], ids=["json", "frame"])
def test_a_big_int_is_skipped_counted_and_named(spool_at, encoder, slot: Slot) -> None:
    spool, errors = spool_at(), []
    w = writer(spool, encoder)
    w.stats.error = lambda where, exc: errors.append(exc)  # type: ignore[method-assign]
    items = [(slot, reading(0)), (slot, bad(1, active_power=10**20)), (slot, reading(2))]
    w.spool_batch(items)
    assert spool.readings == 2 and spool.next_seq == 2  # no seq for the skipped one
    assert w.stats.unencodable == {("mes", "int_out_of_range"): 1}
    (error,) = errors
    assert isinstance(error, Unencodable)
    assert (error.source, error.device_id, error.field) == ("mes", "meter-1", "active_power")
    assert (error.value, error.reason) == ("100000000000000000000", "int_out_of_range")


@pytest.mark.parametrize("slot", [JSON, FRAME], ids=["json", "frame"])
def test_bytes_are_skipped_and_the_checkpoint_moves_past_them(spool_at, encoder, slot) -> None:
    spool = spool_at()
    w = writer(spool, encoder)
    last = Reading(
        "energy_meter",
        "meter-1",
        T0,
        {**reading().values, "circuit": b"\xff" * 500},
        checkpoint="9",
    )
    w.spool_batch([(slot, reading(0)), (slot, last)])
    assert spool.readings == 1
    assert spool.checkpoint("mes") == "9"  # a restart resumes after the bad row, not into it
    assert w.stats.unencodable == {("mes", "unsupported_type"): 1}


def test_a_reading_with_only_bad_values_still_stores_its_checkpoint(spool_at, encoder) -> None:
    spool = spool_at()
    w = writer(spool, encoder)
    w.spool_batch([(JSON, Reading("energy_meter", "m", T0, {"a": {1: 2}}, checkpoint="7"))])
    assert (spool.readings, spool.next_seq, spool.checkpoint("mes")) == (0, 0, "7")
    assert w.stats.unencodable == {("mes", "non_text_key"): 1}


def test_an_event_time_that_is_no_time_is_named(spool_at, encoder) -> None:
    errors: list[BaseException | str] = []
    w = writer(spool_at(), encoder)
    w.stats.error = lambda where, exc: errors.append(exc)  # type: ignore[method-assign]
    w.spool_batch([(JSON, Reading("energy_meter", "m", "yesterday", {}))])  # type: ignore[arg-type]
    (error,) = errors
    assert isinstance(error, Unencodable)
    assert (error.field, error.value) == ("event_time", "'yesterday'")


def test_the_writer_thread_survives_bad_readings(spool_at, encoder) -> None:
    spool = spool_at()
    w = writer(spool, encoder)
    finish, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=w.run, args=(finish,))
    thread.start()
    for i in range(30):
        w.put(JSON, bad(i, active_power=2**64) if i % 3 == 0 else reading(i), stop)
    finish.set()
    thread.join(10)
    assert not thread.is_alive()
    assert spool.readings == 20
    assert w.stats.unencodable[("mes", "int_out_of_range")] == 10


def test_columns_that_cannot_be_read_back_are_rejected_together(spool_at, encoder) -> None:
    spool = spool_at()
    w = writer(spool, encoder)
    columns = pa.table(
        {
            "event_time": pa.array([2**62, 2**62 + 1], pa.timestamp("ms", "UTC")),
            "not_in_the_contract": [1, 2],  # so not a frame: the rows must be read back
        }
    )
    w.spool_batch([(FRAME, ReadingBatch("energy_meter", "m", columns)), (FRAME, reading(1))])
    assert spool.readings == 1
    assert sum(w.stats.unencodable.values()) == 2


def test_columns_with_a_bad_value_go_as_json_without_it(spool_at, encoder) -> None:
    spool = spool_at()
    w = writer(spool, encoder)
    columns = pa.table(
        {
            "event_time": pa.array([T0, T0 + timedelta(seconds=1)], pa.timestamp("ms", "UTC")),
            "raw": pa.array([None, b"\x00\x01"], pa.binary()),  # not declared, and bytes
        }
    )
    w.spool_batch([(FRAME, ReadingBatch("energy_meter", "m", columns))])
    assert spool.readings == 1
    assert w.stats.unencodable == {("mes", "unsupported_type"): 1}


# Arbitrary values for every field type ------------------------------------------------------


def every_type() -> Contract:
    """visual_inspection (string, enum, float64, float64_list, binary_ref) plus the rest."""
    extra = "".join(
        f"  x_{kind}:\n    type: {kind}\n    nullable: true\n    classification: L1\n"
        f"    description: {{zh: 测试, en: Test}}\n"
        for kind in ("int64", "bool", "timestamp", "date")
    )
    text = (shipped_contracts_dir() / "visual_inspection.yaml").read_text(encoding="utf-8")
    text = text.replace("  inference_time:\n", extra + "  inference_time:\n")
    return parse_contract(text, "visual_inspection.yaml", "visual_inspection")


CONTRACT = every_type()
ENCODER = Encoder(CONTRACT, "gw-01", "plant-a")
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.datetimes(timezones=st.sampled_from([None, UTC])),
    st.dates(),
    st.decimals(allow_nan=False),
    st.sets(st.integers(), max_size=2),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), inner, max_size=3)
    ),
    max_leaves=8,
)
readings = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(sorted(CONTRACT.fields)), values, max_size=6),
        st.sampled_from(["json", "frame"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=readings)
def test_any_value_is_encoded_or_counted_never_fatal(
    tmp_path_factory: pytest.TempPathFactory, batch: list[tuple[dict[str, Any], str]]
) -> None:
    path = tmp_path_factory.mktemp("spool") / "spool.db"
    spool = Spool(path, "gw-01", SpoolLimits(durability="normal"))  # no fsync per example
    try:
        w = Writer(spool, lambda _name: ENCODER, Stats())
        at = datetime(2025, 3, 1, tzinfo=UTC)
        items = [
            (Slot("mes", payload=payload), Reading(CONTRACT.name, "cam-1", at, data))
            for data, payload in batch
        ]
        w.spool_batch(items)
        assert spool.readings + sum(w.stats.unencodable.values()) == len(items)
        assert spool.next_seq == spool.readings
        for item in spool.fetch(-1, 100):
            if item.message.content_type == "application/json":
                orjson.loads(item.message.value)  # what was spooled is valid JSON
    finally:
        spool.close()


def test_the_hypothesis_contract_has_every_field_type() -> None:
    from schemas._model import FIELD_TYPES

    assert {spec.type for spec in CONTRACT.fields.values()} == set(FIELD_TYPES)


# The whole edge -------------------------------------------------------------------------


class Device:
    """A source whose driver hands over whatever the device sent, bytes included."""

    name = "mes"

    def __init__(self, first: int) -> None:
        self.first = first

    def readings(self, stop: threading.Event):  # type: ignore[no-untyped-def]
        for i in range(self.first, 6):
            value = b"\x00\x01" if i == 2 else 230.0
            yield Reading(
                "energy_meter", "m", T0 + timedelta(seconds=i), {"voltage_l1": value},
                checkpoint=str(i),
            )  # fmt: skip
        stop.wait()


def test_the_edge_skips_bad_input_and_a_restart_does_not_replay_it(tmp_path) -> None:
    from producers import Edge, MemoryTransport, parse_config
    from producers.metrics import EdgeCollector

    from .test_spool_failures import wait_for

    config = parse_config(
        "producer_id: gw-01\nsite: plant-a\nstatus_interval_s: 0\n"
        "spool: {path: spool.db, commit_interval_ms: 20}\n"
        "metrics: {port: null}\nsources:\n"
        "  - {name: mes, kind: csv, contract: energy_meter, folder: in}\n",
        tmp_path / "edge.yaml",
    )
    starts: list[str | None] = []

    def build(options, context):  # type: ignore[no-untyped-def]
        starts.append(context.checkpoint)
        return Device(0 if context.checkpoint is None else int(context.checkpoint) + 1)

    transport = MemoryTransport()
    edge = Edge(config, connect=lambda: transport, build=build)
    edge.start()
    wait_for(lambda: edge.stats.acked_readings == 5)
    metrics = {m.name: m for m in EdgeCollector(edge).collect()}
    edge.stop()
    (sample,) = metrics["assay_edge_readings_unencodable"].samples
    assert sample.labels == {"source": "mes", "reason": "unsupported_type"}
    assert sample.value == 1
    assert edge.failure is None
    again = Edge(config, connect=lambda: transport, build=build)
    again.start()
    again.stop()
    assert starts == [None, "5"]  # resumed after the last reading, the bad one long behind
    assert len(transport.sent) == 5
