"""What decoding found about a segment reaches the raw object's metadata."""

from __future__ import annotations

from assay.pipeline.ingest.landing import Buckets, MemoryPartition, land_segment
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import TOPIC, reading, record
from .decoding import variant


def test_dropped_fields_and_zoned_times_are_noted_on_the_raw_object(energy: Contract) -> None:
    contract = variant(energy, unknown_fields="drop", timezone="Asia/Shanghai")
    records = [
        record(0, reading(0, firmware="2.1", event_time="2026-11-27T10:00:00")),
        record(1, reading(1)),
    ]
    store = MemoryStore()
    landed = land_segment(
        MemoryPartition(records, topic=TOPIC),
        store,
        Buckets(raw="raw", deadletter="dead"),
        contract,
    )
    assert landed is not None and (landed.readings, landed.dead_readings) == (2, 0)
    meta = store.head("raw", landed.raw_key) or {}
    assert (meta["dropped-fields"], meta["timezone-converted"]) == ('{"firmware":1}', "1")
