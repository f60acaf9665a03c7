"""An unsequenced source: readings without producer_id or seq, told apart by key and time.

The contract (``contracts/energy_meter.unsequenced.yaml``) is energy_meter as a
third-party gateway sends it. Readings go through decoding, landing and curation in
memory, and the accounting must balance as for a sequenced source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from assay.govern.audit import audit
from assay.pipeline.ingest.deadletter import Reason
from assay.pipeline.ingest.decode import Expect, decode
from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import MemoryPartition, land_partition
from assay.pipeline.validate import curation
from assay.pipeline.validate.dedup import Watermark, drop_duplicates, duplicate_pairs
from assay.store.objects import MemoryStore
from assay.store.parquet import from_parquet
from schemas import Contract, load_contract, to_arrow_schema

from .conftest import record
from .test_landing import memory_log

CONTRACT = Path(__file__).parent / "contracts" / "energy_meter.unsequenced.yaml"
BUCKETS = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")


@pytest.fixture(scope="module")
def plain() -> Contract:
    return load_contract(CONTRACT)


def reading(n: int, /, device: int | None = None, **overrides: Any) -> dict[str, Any]:
    """The ``n``-th reading of a meter (every 10 s), as the gateway sends it: no producer_id/seq."""
    device = n % 3 if device is None else device
    step = n // 3
    value = {
        "site": "plant-a",
        "device_id": f"meter-{device}",
        "event_time": f"2026-03-01T08:{step // 6 % 60:02d}:{step % 6 * 10:02d}.000Z",
        "ingest_time": f"2026-03-01T08:{step // 6 % 60:02d}:{step % 6 * 10:02d}.500Z",
        "active_power": 42.5,
        "active_energy": 1000.0 + step,
        "voltage_l1": 230.1,
    }
    value.update(overrides)
    return {k: v for k, v in value.items() if v is not ...}


def test_a_reading_without_producer_or_seq_decodes_one_without_its_key_does_not(
    plain: Contract,
) -> None:
    schema = to_arrow_schema(plain)
    records = [record(0, reading(0)), record(1, reading(1, device_id=...))]
    out = decode(records, Expect(plain.name, plain.major, schema))
    table = out.table(schema)
    assert table["device_id"].to_pylist() == ["meter-0"]
    assert table["seq"].to_pylist() == [None]
    assert [(d.reason, d.detail) for d in out.dead] == [
        (Reason.MISSING_KEY, "device_id is missing; it identifies the reading")
    ]
    sequenced = load_contract("energy_meter")
    strict = decode(records[:1], Expect(sequenced.name, 1, to_arrow_schema(sequenced)))
    assert [d.reason for d in strict.dead] == [Reason.MISSING_KEY]


@pytest.fixture(scope="module")
def validated(plain: Contract) -> tuple[MemoryStore, list[curation.Summary], MemoryPartition]:
    records = [record(i, reading(i)) for i in range(60)]  # 20 readings of each of 3 meters
    records[25] = record(25, reading(24))  # sent twice within a segment
    records[30] = record(30, reading(29))  # the last reading of segment 1, again in segment 2
    records[40] = record(40, reading(40, event_time="1900-01-01T00:00:00.000Z"))  # reset clock
    stale = reading(50, ingest_time="2026-03-03T08:00:00.000Z")  # two days after the event
    records[50] = record(50, stale)
    log, store = memory_log(records), MemoryStore()
    land_partition(log, store, LandingBuckets(raw="raw", deadletter="dead"), plain, max_records=30)
    return store, curation.validate_pending(store, BUCKETS, plain, 0), log


def _quarantined(store: MemoryStore, summaries: list[curation.Summary]) -> list[dict]:
    keys = [s.quarantine_key for s in summaries if s.quarantine_key]
    return [r for k in keys for r in from_parquet(store.get("q", k)).to_pylist()]


def test_every_reading_is_accounted_for(validated, plain: Contract) -> None:
    store, summaries, _ = validated
    assert all(s.balanced for s in summaries)
    totals = {k: sum(getattr(s, k) for s in summaries) for k in ("curated", "quarantined")}
    assert sum(s.duplicates for s in summaries) == 2
    assert totals == {"curated": 56, "quarantined": 2}
    result = audit(store, BUCKETS, "dead", plain, {0: (0, 60, 60)})
    assert result.problems == []
    assert result.totals.produced == 60


def test_duplicates_are_recognised_by_key_and_event_time_across_segments(validated) -> None:
    store, summaries, _ = validated
    assert [s.duplicates for s in summaries] == [1, 1]
    curated = pa.concat_tables(
        [from_parquet(store.get("cur", k)) for s in summaries for k in s.curated_keys]
    )
    assert duplicate_pairs(curated, ("device_id", "event_time")) == 0
    assert curated["producer_id"].null_count == curated.num_rows


def test_timeliness_failures_are_quarantined_with_their_reason(validated) -> None:
    store, summaries, _ = validated
    rows = {tuple(r["failed_rules"]): r for r in _quarantined(store, summaries)}
    assert set(rows) == {("earliest:event_time",), ("max_age:event_time",)}
    reset = rows[("earliest:event_time",)]
    assert reset["failed_dimensions"] == ["timeliness"]
    assert "1900-01-01T00:00:00Z" in reset["reason"] and "reset clock" in reset["reason"]
    assert not any(s.by_rule.get("monotonic:active_energy") for s in summaries)


def test_the_summary_says_the_sequence_rule_was_skipped(validated) -> None:
    _store, summaries, _ = validated
    for summary in summaries:
        [note] = summary.notes
        assert note.startswith("sequence_reset") and "sequenced: false" in note
        assert curation.SEQUENCE_RESET not in summary.by_rule


def test_revalidation_rewrites_the_same_objects(validated, plain: Contract) -> None:
    store, summaries, _ = validated
    before = {k: v for k, v in store.objects.items() if k[0] != "rep"}
    for summary in summaries:
        curation.validate_segment(store, BUCKETS, plain, summary.raw_key)
    assert {k: v for k, v in store.objects.items() if k[0] != "rep"} == before


def _raw(plain: Contract, readings: list[dict[str, Any]]) -> pa.Table:
    schema = to_arrow_schema(plain)
    records = [record(i, r) for i, r in enumerate(readings)]
    return decode(records, Expect(plain.name, plain.major, schema)).table(schema)


def test_the_watermark_holds_each_devices_latest_event_time(plain: Contract) -> None:
    first = drop_duplicates(_raw(plain, [reading(i) for i in range(6)]), Watermark(), "s1", plain)
    assert first.dropped == 0
    latest = first.watermark.latest
    assert sorted(latest) == ['["meter-0"]', '["meter-1"]', '["meter-2"]']
    assert Watermark.loads(first.watermark.dumps()) == first.watermark
    # Segment 2 repeats meter-0's latest (dropped) and its first (not remembered: kept).
    again = _raw(plain, [reading(3), reading(0), reading(6)])
    second = drop_duplicates(again, first.watermark, "s2", plain)
    assert (second.dropped, second.table.num_rows, second.regressed.num_rows) == (1, 2, 0)
    assert second.watermark.latest['["meter-0"]'] > latest['["meter-0"]']
