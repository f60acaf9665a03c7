"""Seq runs at landing: dead letters attributed by their headers, whatever those hold, and
the document made again from the stored objects when a run finds it missing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.pipeline.ingest import seqruns
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import Buckets, MemoryPartition, land_partition
from assay.pipeline.ingest.seqruns import INT64_MAX, Unattributed, attribute, claim
from assay.store import layout
from assay.store.objects import MemoryStore
from schemas import load_contract, wire

ENERGY = load_contract("energy_meter")
BUCKETS = Buckets(raw="raw", deadletter="dead", reports="rep")
P, S = wire.HEADER_PRODUCER, wire.HEADER_SEQ


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ([], Unattributed.NO_PRODUCER),
        ([(P, b"")], Unattributed.NO_PRODUCER),
        ([(P, None), (S, b"3")], Unattributed.NO_PRODUCER),
        ([(P, b"gw-1")], Unattributed.NO_SEQ),
        ([(P, b"<script>alert(1)</script>"), (S, b"3")], Unattributed.PRODUCER_MALFORMED),
        ([(P, b"\xff\xfegw"), (S, b"3")], Unattributed.PRODUCER_MALFORMED),
        ([(P, b"g" * 129), (S, b"3")], Unattributed.PRODUCER_MALFORMED),
        ([(P, b"gw-1"), (S, b"twelve")], Unattributed.SEQ_NOT_A_NUMBER),
        ([(P, b"gw-1"), (S, b"1e3")], Unattributed.SEQ_NOT_A_NUMBER),
        ([(P, b"gw-1"), (S, "١٢".encode())], Unattributed.SEQ_NOT_A_NUMBER),
        ([(P, b"gw-1"), (S, b"-3")], Unattributed.SEQ_NEGATIVE),
        ([(P, b"gw-1"), (S, b"9" * 5000)], Unattributed.SEQ_OUT_OF_RANGE),
        ([(P, b"gw-1"), (S, b"%d" % (1 << 63))], Unattributed.SEQ_OUT_OF_RANGE),
    ],
)
def test_headers_that_claim_no_seq_say_why(
    headers: list[tuple[str, bytes | None]], why: Unattributed
) -> None:
    assert claim(headers, -1, 1) == why


def test_a_whole_frame_claims_its_count_and_one_reading_its_own_seq() -> None:
    frame = [(P, b"gw-1"), (S, b" 100 ")]
    assert claim(frame, -1, 5) == ("gw-1", 100, 104)
    assert claim(frame, 3, 1) == ("gw-1", 103, 103)
    assert claim([(P, b"gw-1"), (S, b"%d" % INT64_MAX)], -1, 2) == Unattributed.SEQ_OUT_OF_RANGE


header = st.tuples(
    st.sampled_from([P, S, wire.HEADER_COUNT, "other"]) | st.none() | st.text(max_size=5),
    st.none() | st.binary(max_size=30) | st.integers().map(lambda n: str(n).encode()),
)


@settings(deadline=None)
@given(st.lists(st.tuples(st.lists(header, max_size=5), st.integers(-3, 10), st.integers(-3, 9))))
def test_any_headers_are_attributed_or_counted_with_a_reason(
    letters: list[tuple[list[tuple[str | None, bytes | None]], int, int]],
) -> None:
    claimed, why = attribute(letters)
    assert set(why) <= {str(u) for u in Unattributed}
    counted = sum(r.readings for r in claimed.values()) + sum(why.values())
    assert counted == sum(1 if i >= 0 else max(c, 1) for _, i, c in letters)
    for runs in claimed.values():
        assert all(0 <= a <= b <= INT64_MAX for a, b in runs.runs)


def reading(n: int) -> bytes:
    return json.dumps(
        {
            "producer_id": "gw-1",
            "seq": n,
            "site": "plant-a",
            "device_id": "m-1",
            "event_time": "2026-03-01T08:00:00.000Z",
            "ingest_time": "2026-03-01T08:00:00.100Z",
            "active_power": 1.0,
            "active_energy": 2.0 + n,
            "voltage_l1": 230.0,
            "current_l1": 6.0,
            "power_factor": 0.9,
            "frequency": 50.0,
        }
    ).encode()


def log() -> MemoryPartition:
    """Seqs 0-29 of gw-1 in reverse with 5 sent twice; 7 undecodable with its headers, 8
    undecodable with a seq header no number."""
    base = ((wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0"))
    out = []
    for offset, n in enumerate([*range(29, -1, -1), 5]):
        value, extra = reading(n), ()
        if n in (7, 8):
            value, extra = b"\x00junk", ((P, b"gw-1"), (S, b"7" if n == 7 else b"NaN"))
        out.append(Record("assay.energy_meter.v1", 0, offset, 0, b"m", value, base + extra))
    return MemoryPartition(out)


def test_landing_records_runs_and_a_rerun_makes_the_same_bytes_again() -> None:
    store = MemoryStore()
    (landed,) = land_partition(log(), store, BUCKETS, ENERGY)
    key = layout.seqs_key("energy_meter", 1, landed.segment)
    found = seqruns.SegmentSeqs.loads(store.get("rep", key))
    assert found.landed["gw-1"].runs == [[0, 6], [9, 29]]
    assert (found.landed["gw-1"].readings, found.landed["gw-1"].duplicates) == (29, 1)
    assert found.dead_lettered["gw-1"].runs == [[7, 7]]
    assert found.unattributed == {"seq_header_not_a_number": 1}
    made = store.get("rep", key)
    store.objects.pop(("rep", key))
    seqruns.ensure(store, BUCKETS, ENERGY, landed.segment)  # what an adopting run does
    assert store.get("rep", key) == made


def test_an_undecodable_frame_claims_the_seqs_its_count_header_says() -> None:
    headers = ((wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0"),
               (wire.HEADER_CONTENT_TYPE, wire.ARROW_STREAM.encode()), (P, b"gw-2"),
               (S, b"40"), (wire.HEADER_COUNT, b"5"))  # fmt: skip
    frame = Record("assay.energy_meter.v1", 0, 0, 0, b"m", b"not an arrow stream", headers)
    store = MemoryStore()
    (landed,) = land_partition(MemoryPartition([frame]), store, BUCKETS, ENERGY)
    found = seqruns.load(store, "rep", ENERGY, landed.segment)
    assert found is not None and landed.dead_readings == 5
    assert found.dead_lettered["gw-2"].runs == [[40, 44]] and found.landed == {}
