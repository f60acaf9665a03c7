"""End-to-end validation through Great Expectations, on small batches (each run costs ~1 s)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from validators_testkit import DEVICES, Batch, row_of

from schemas import Contract, load_contract, load_contracts, to_arrow_schema
from validators import ValidationOutcome, compile_checks, sample_table, validate_table

SHIPPED = load_contracts()


@pytest.mark.parametrize("contract", SHIPPED, ids=lambda c: c.name)
def test_a_clean_batch_passes_every_expectation(contract: Contract) -> None:
    outcome = validate_table(contract, sample_table(contract, 40), data_docs=False)
    results = outcome.result_json["results"]
    failed = [r["expectation_config"]["meta"]["rule_id"] for r in results if not r["success"]]
    assert failed == []
    assert outcome.success
    assert outcome.passing.num_rows == 40
    assert outcome.quarantined.num_rows == 0
    assert outcome.passing.schema.equals(to_arrow_schema(contract), check_metadata=False)
    assert len(outcome.result_json["results"]) == len(compile_checks(contract))


def _energy_batch() -> Batch:
    """Energy readings with one fault per faulty row, and a legitimate counter reset."""
    b = Batch(load_contract("energy_meter"), steps=125)
    b.set("active_power", row_of(0, 5), None)
    b.expect(row_of(0, 5), "not_null:active_power", "completeness")
    b.set("voltage_l1", row_of(0, 10), 900.0)
    b.expect(row_of(0, 10), "range:voltage_l1", "accuracy")
    b.set("circuit", row_of(0, 15), "bad circuit")
    b.expect(row_of(0, 15), "pattern:circuit", "normative")
    dip = row_of(0, 20)
    b.set("active_energy", dip, b.columns["active_energy"][row_of(0, 19)] - 0.5)
    b.expect(dip, "monotonic:active_energy", "consistency")
    for step in range(30, 125):  # a meter swap: the register restarts at 3 kW.h
        b.set("active_energy", row_of(0, step), 3.0 + (step - 30))
    late = row_of(0, 40)
    b.set("ingest_time", late, b.columns["event_time"][late] + timedelta(seconds=400))
    b.expect(late, "freshness:event_time", "timeliness", quarantined=False)
    ahead = row_of(0, 45)
    b.set("ingest_time", ahead, b.columns["event_time"][ahead] - timedelta(seconds=120))
    b.expect(ahead, "future:event_time", "timeliness")
    b.shift_device(1, 10, 60.0)
    b.expect(row_of(1, 10), "max_gap:active_power", "completeness", quarantined=False)
    twin, first = row_of(1, 21), row_of(1, 20)
    for column in ("event_time", "ingest_time"):
        b.set(column, twin, b.columns[column][first])
    b.expect(first, "unique:device_id+event_time", "consistency")
    b.expect(twin, "unique:device_id+event_time", "consistency")
    b.set("current_l1", row_of(1, 35), -1.0)
    b.expect(row_of(1, 35), "range:current_l1", "accuracy")
    b.columns["frequency"] = [str(v) for v in b.columns["frequency"]]
    b.set("frequency", row_of(1, 40), "fifty")
    b.expect(row_of(1, 40), "type:frequency", "normative")
    for step in range(0, 120):  # stuck from the 120th equal reading on
        b.set("active_power", row_of(2, step), 42.0)
    b.expect(row_of(2, 119), "stuck:active_power", "accuracy", quarantined=False)
    b.set("site", row_of(2, 50), "sz-plant-1\n")  # a whole-value pattern has no trailing newline
    b.expect(row_of(2, 50), "pattern:site", "normative")
    b.expect(b.replay(row_of(2, 5)), "unique:producer_id+seq", "consistency")
    return b


def _visual_batch() -> Batch:
    b = Batch(load_contract("visual_inspection"), steps=10)
    b.set("verdict", row_of(0, 2), "maybe")
    b.expect(row_of(0, 2), "allowed_values:verdict", "normative")
    b.set("image", row_of(0, 4), {"uri": "s3://images/x.jpg", "sha256": "not-a-digest"})
    b.expect(row_of(0, 4), "claim_check:image", "accessibility")
    b.set("image", row_of(1, 4), {"uri": "ftp://images/x.jpg", "sha256": "0" * 64})
    b.expect(row_of(1, 4), "claim_check:image", "accessibility")
    b.set("defect_boxes", row_of(1, 6), [0.5, 1.5])
    b.expect(row_of(1, 6), "range:defect_boxes", "accuracy")
    b.set("station_id", row_of(2, 3), "X1")
    b.expect(row_of(2, 3), "pattern:station_id", "normative")
    b.set("image", row_of(2, 7), None)
    b.expect(row_of(2, 7), "not_null:image", "completeness")
    return b


def _machine_batch() -> Batch:
    b = Batch(load_contract("machine_condition"), steps=20)
    b.set("tool_wear", row_of(0, 8), b.columns["tool_wear"][row_of(0, 7)] - 1)
    b.expect(row_of(0, 8), "monotonic:tool_wear", "consistency")
    for step in range(12, 20):  # tool change: wear restarts at 0
        b.set("tool_wear", row_of(1, step), step - 12)
    b.set("product_type", row_of(2, 3), "X")
    b.expect(row_of(2, 3), "allowed_values:product_type", "normative")
    b.set("seq", row_of(2, 5), -1)
    b.expect(row_of(2, 5), "range:seq", "accuracy")
    return b


def test_a_reset_clock_and_a_stale_reading_fail_timeliness_and_only_timeliness() -> None:
    energy = load_contract("energy_meter")
    aged = Contract.model_validate({**energy.model_dump(), "max_event_age": "1h"})
    b = Batch(aged, steps=10)
    reset, stale = row_of(0, 4), row_of(1, 4)
    b.set("event_time", reset, datetime(1900, 1, 1, tzinfo=UTC))
    b.set("ingest_time", stale, b.columns["event_time"][stale] + timedelta(hours=2))
    outcome = validate_table(aged, b.table(), data_docs=False)
    rows = {r["seq"]: r for r in outcome.quarantined.to_pylist()}
    seq = b.columns["seq"]
    assert sorted(rows) == sorted([seq[reset], seq[stale]])
    assert rows[seq[reset]]["failed_rules"] == ["earliest:event_time"]
    assert rows[seq[reset]]["failed_dimensions"] == ["timeliness"]
    zh, en = rows[seq[reset]]["reason"].split(" / ", 1)
    assert "1900-01-01T00:00:00Z" in zh and "2000-01-01T00:00:00Z" in zh
    assert "reset clock" in en and "event_time = 1900-01-01T00:00:00Z" in en
    assert rows[seq[stale]]["failed_rules"] == ["max_age:event_time"]
    assert outcome.summary.warned == 0  # neither reading blames its device's neighbours


BATCHES = {"energy_meter": _energy_batch, "visual_inspection": _visual_batch}
BATCHES["machine_condition"] = _machine_batch


@pytest.fixture(scope="module", params=sorted(BATCHES))
def faulty(request: pytest.FixtureRequest) -> tuple[Batch, pa.Table, ValidationOutcome]:
    batch = BATCHES[request.param]()
    types = {"frequency": pa.string()} if request.param == "energy_meter" else {}
    table = batch.table(**types)
    now = datetime(2025, 3, 2, tzinfo=UTC)
    return batch, table, validate_table(batch.contract, table, now=now)


def test_each_faulty_row_is_quarantined_for_exactly_its_rule(faulty) -> None:  # type: ignore[no-untyped-def]
    batch, table, outcome = faulty
    expected = {e.row: e for e in batch.expected if e.quarantined}
    q = outcome.quarantined.to_pylist()
    seen = {}
    for row in q:
        source = _source_row(table, row)
        seen[source] = (row["failed_rules"], row["failed_dimensions"], row["severity"])
    assert set(seen) == set(expected)
    for row, exp in expected.items():
        assert seen[row] == ([exp.rule_id], [exp.dimension], "error"), row
    assert outcome.passing.num_rows == table.num_rows - len(expected)


def _source_row(table: pa.Table, quarantined_row: dict) -> int:
    """Find a quarantined row in the input by its identity (seq, then event time for replays)."""
    seqs = table.column("seq").to_pylist()
    matches = [i for i, s in enumerate(seqs) if s == quarantined_row["seq"]]
    if len(matches) > 1 and "unique:producer_id+seq" in quarantined_row["failed_rules"]:
        return matches[-1]
    return matches[0]


def test_warnings_keep_the_row_and_are_counted_against_their_rule(faulty) -> None:  # type: ignore[no-untyped-def]
    batch, _table, outcome = faulty
    warned = [e for e in batch.expected if not e.quarantined]
    counts = {r.rule_id: r.failed for r in outcome.summary.rules}
    for expectation in warned:
        assert counts[expectation.rule_id] == 1
    assert outcome.summary.warned == len(warned)
    failing = {e.rule_id for e in batch.expected}
    assert all(r.failed == 0 for r in outcome.summary.rules if r.rule_id not in failing)


def test_a_legitimate_counter_reset_is_not_flagged(faulty) -> None:  # type: ignore[no-untyped-def]
    batch, _table, outcome = faulty
    monotonic = [r for r in outcome.summary.rules if r.kind == "monotonic"]
    expected = [e for e in batch.expected if e.rule_id.startswith("monotonic:")]
    assert sum(r.failed for r in monotonic) == len(expected)


def test_the_reason_is_bilingual_and_names_the_rule(faulty) -> None:  # type: ignore[no-untyped-def]
    _batch, _table, outcome = faulty
    for row in outcome.quarantined.to_pylist():
        zh, en = row["reason"].split(" / ", 1)
        assert row["failed_rules"][0] in zh and row["failed_rules"][0] in en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)


def test_scores_add_up(faulty) -> None:  # type: ignore[no-untyped-def]
    _batch, _table, outcome = faulty
    scores = outcome.scores
    assert scores.checked == sum(r.checked for r in outcome.summary.rules)
    assert scores.checked == sum(d.checked for d in scores.dimensions)
    assert scores.passed == sum(d.passed for d in scores.dimensions)
    for d in scores.dimensions:
        assert d.passed + d.failed == d.checked
        assert d.score == (d.passed / d.checked if d.checked else None)
    rules = sorted(rule for d in scores.dimensions for rule in d.rules)
    assert rules == sorted(r.rule_id for r in outcome.summary.rules)


def test_data_docs_mention_every_expectation(faulty) -> None:  # type: ignore[no-untyped-def]
    batch, _table, outcome = faulty
    html = outcome.data_docs_html
    assert html.lstrip().lower().startswith("<!doctype html>")
    for check in compile_checks(batch.contract):
        assert check.rule_id in html


def test_the_result_json_is_compact_and_stamped(faulty) -> None:  # type: ignore[no-untyped-def]
    _batch, _table, outcome = faulty

    json.dumps(outcome.result_json)
    json.dumps(outcome.scores.to_dict())
    json.dumps(outcome.summary.to_dict())
    assert outcome.result_json["meta"]["run_id"]["run_time"].startswith("2025-03-02")
    for item in outcome.result_json["results"]:
        assert "unexpected_index_list" not in item["result"]
        assert item["expectation_config"]["meta"]["dimension"]


def test_devices_are_interleaved_in_the_sample() -> None:
    table = sample_table(load_contract("energy_meter"), 2 * DEVICES)
    assert table.column("device_id").to_pylist()[:DEVICES] == ["dev-00", "dev-01", "dev-02"]


def _stable(result: dict) -> dict:
    """A result without the moments it was made at."""
    result = json.loads(json.dumps(result, default=str))
    result["meta"].pop("validation_time", None)
    result["meta"].pop("run_id", None)
    result["meta"].get("batch_markers", {}).pop("ge_load_time", None)
    return result


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_memoised_configurations_change_no_result(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GX run as shipped and with each expectation's configuration built once per
    validation: the same results, rows, quarantine and scores, clean and broken."""
    from contextlib import nullcontext

    from validators import _gx

    batch = BATCHES[name]()
    table = batch.table(**({"frequency": pa.string()} if name == "energy_meter" else {}))
    clean = sample_table(batch.contract, 60)
    now = datetime(2025, 3, 2, tzinfo=UTC)
    memoised = [validate_table(batch.contract, t, now=now) for t in (table, clean)]
    monkeypatch.setattr(_gx, "configurations_memoised", nullcontext)
    shipped = [validate_table(batch.contract, t, now=now) for t in (table, clean)]
    for a, b in zip(memoised, shipped, strict=True):
        assert _stable(a.result_json) == _stable(b.result_json)
        assert a.passing.equals(b.passing)
        assert a.quarantined.equals(b.quarantined)
        assert (a.scores, a.summary, a.success) == (b.scores, b.summary, b.success)
    assert memoised[0].quarantined.num_rows > 0  # the broken batch did find its faults


def test_batches_validated_one_after_another_each_get_their_own_results() -> None:
    """One batch definition serves a process: a batch must never be judged on another's rows."""
    energy = load_contract("energy_meter")
    broken = _energy_batch().table(frequency=pa.string())
    clean = sample_table(energy, 90)
    now = datetime(2025, 3, 2, tzinfo=UTC)
    outcomes = [validate_table(energy, t, now=now) for t in (clean, broken, clean, broken)]
    assert [o.quarantined.num_rows for o in outcomes[::2]] == [0, 0]
    assert [o.passing.num_rows for o in outcomes[::2]] == [90, 90]
    faulty = [o.quarantined.num_rows for o in outcomes[1::2]]
    assert faulty[0] > 0 and faulty == [faulty[0]] * 2
    assert outcomes[1].passing.num_rows + faulty[0] == broken.num_rows
