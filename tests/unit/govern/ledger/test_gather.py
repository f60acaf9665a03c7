"""Gathering a contract's seqs from landed segments: stored, removed by retention, or landed
before seq runs were recorded, the ledger sees the seqs one list of every reading holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.govern.ledger._reconcile import runs
from assay.govern.ledger._runs import gather
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import Landed, MemoryPartition, land_partition
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.expiry import ExpiredSegment, Ledger, Removed
from assay.store.objects import MemoryStore
from schemas import load_contract, wire

ENERGY = load_contract("energy_meter")
BUCKETS = Buckets(raw="raw", deadletter="dead", reports="rep", curated="cur", quarantine="q")
TOPIC = "assay.energy_meter.v1"
HEADERS = ((wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0"))


def record(offset: int, who: str, seq: int) -> Record:
    value = {"producer_id": who, "seq": seq, "site": "plant-a", "device_id": "m-1",
             "event_time": "2026-03-01T08:00:00.000Z", "active_power": 1.0,
             "active_energy": 2.0, "voltage_l1": 230.0, "current_l1": 6.0,
             "power_factor": 0.9, "frequency": 50.0}  # fmt: skip
    return Record(TOPIC, 0, offset, 0, b"m", json.dumps(value).encode(), HEADERS)


def expire(store: MemoryStore, segments: list[Landed]) -> None:
    """What retention leaves of these segments: a ledger entry, no raw object."""
    entries = [
        ExpiredSegment(
            s.segment.stem,
            s.segment.start,
            s.end,
            s.records,
            s.readings,
            s.dead_readings,
            "2026-03-01T00:00:00+00:00",
            {"raw": Removed(1, s.readings, "2026-04-01")},
        )
        for s in segments
    ]
    key, page = Ledger("energy_meter", 1, 0).page(entries, datetime(2026, 4, 1, tzinfo=UTC))
    store.put(BUCKETS.reports, key, page)
    for s in segments:
        store.delete(BUCKETS.raw, s.raw_key)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["gw-a", "gw-b"]), st.integers(0, 60)), min_size=1, max_size=60
    ),
    st.integers(3, 20),
    st.sets(st.integers(0, 19)),
    st.sets(st.integers(0, 19)),
)
def test_the_seqs_gathered_are_those_of_every_reading_landed(
    pairs: list[tuple[str, int]], per_segment: int, removed: set[int], before: set[int]
) -> None:
    store = MemoryStore()
    log = MemoryPartition([record(n, who, seq) for n, (who, seq) in enumerate(pairs)])
    landed = land_partition(log, store, BUCKETS, ENERGY, max_records=per_segment)
    for n in (before - removed) & set(range(len(landed))):  # landed before seq runs
        seg = landed[n].segment
        store.objects.pop((BUCKETS.reports, layout.seqs_key("energy_meter", 1, seg)))
    gone = [s for n, s in enumerate(landed) if n in removed]
    expire(store, gone)

    found = gather(store, BUCKETS, ENERGY)
    assert found.problems == [] and found.unrecorded == [0, 0]
    assert found.ends == {0: len(pairs)}
    expired_offsets = {o for s in gone for o in range(s.segment.start, s.end)}
    for who in {w for w, _ in pairs}:
        seqs = [s for w, s in pairs if w == who]
        tally = found.landed[who]
        assert (tally.merged().tolist(), tally.readings) == (runs(seqs), len(seqs))
        mine = [n for n, (w, _) in enumerate(pairs) if w == who and n in expired_offsets]
        assert tally.expired == len(mine)


def test_runs_that_disagree_with_landing_are_a_pipeline_problem() -> None:
    store = MemoryStore()
    (landed,) = land_partition(
        MemoryPartition([record(n, "gw-a", n) for n in range(5)]), store, BUCKETS, ENERGY
    )
    key = layout.seqs_key("energy_meter", 1, landed.segment)
    body = json.loads(store.get(BUCKETS.reports, key))
    body["landed"]["gw-a"]["readings"] = 4
    store.put(BUCKETS.reports, key, json.dumps(body).encode())
    (problem,) = gather(store, BUCKETS, ENERGY).problems
    assert landed.segment.stem in problem and "count 4 readings" in problem
