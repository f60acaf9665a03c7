"""Two GX passes (BASIC, then COMPLETE for what found rows) give one COMPLETE pass's result."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validators_testkit import with_faults

from schemas import load_contract
from validators import compile_checks, sample_table
from validators import validation_frame as frame_of
from validators._conform import conform
from validators._gx import RESULT_FORMAT, _batch_definition, build_suite, run_pass, run_suite
from validators._passes import ROW_LISTS, merge_passes, to_rerun
from validators._split import row_failures

ENERGY = load_contract("energy_meter")
CHECKS = compile_checks(ENERGY)
ROWS = 60

#: Faults that several rules catch at once when they meet on one row.
FAULTS: dict[str, tuple[str, Any]] = {
    "null power": ("active_power", None),
    "power out of range": ("active_power", 9000.0),
    "negative voltage": ("voltage_l1", -5.0),
    "bad circuit": ("circuit", "bad circuit"),
    "energy dip": ("active_energy", 20.0),
    "null current": ("current_l1", None),
    "from the future": ("event_time", timedelta(hours=1)),
}


def _item(rule_id: str, unexpected: int, **result: Any) -> dict[str, Any]:
    return {
        "success": unexpected == 0,
        "expectation_config": {"meta": {"rule_id": rule_id}},
        "result": {"element_count": 4, "unexpected_count": unexpected, **result},
    }


def test_only_what_found_rows_runs_again_and_passing_results_get_empty_lists() -> None:
    first = {
        "success": False,
        "results": [_item("not_null:active_power", 0), _item("range:voltage_l1", 2)],
        "statistics": {"unsuccessful_expectations": 1},
    }
    assert [c.rule_id for c in to_rerun(first, CHECKS)] == ["range:voltage_l1"]
    rerun = {"results": [_item("range:voltage_l1", 2, unexpected_index_list=[{"_row": 1}])]}
    merged = merge_passes(first, rerun)
    assert list(merged) == list(first)
    assert merged["statistics"] == first["statistics"]
    passed, failed = merged["results"]
    assert list(passed["result"])[-4:] == list(ROW_LISTS)
    assert all(passed["result"][key] == [] for key in ROW_LISTS)
    assert failed == rerun["results"][0]


def test_an_expectation_that_raised_runs_again() -> None:
    raised = {"success": False, "expectation_config": {"meta": {"rule_id": "range:voltage_l1"}}}
    first = {"results": [raised]}
    assert [c.rule_id for c in to_rerun(first, CHECKS)] == ["range:voltage_l1"]
    assert merge_passes(first, None)["results"] == [raised]


def _faulty(faults: list[tuple[int, str]]) -> pa.Table:
    return with_faults(sample_table(ENERGY, ROWS), faults, FAULTS)


def _one_complete_pass(frame: Any, result_format: str = "COMPLETE") -> dict[str, Any]:
    """The result as GX's documented path gives it: a batch, validated with COMPLETE results
    (or another ``result_format``)."""
    suite = build_suite("s", CHECKS)
    batch = _batch_definition("energy_meter").get_batch(batch_parameters={"dataframe": frame})
    fmt = {**RESULT_FORMAT, "result_format": result_format}
    return dict(batch.validate(suite, result_format=fmt).to_json_dict())


def _without_load_time(result: dict[str, Any]) -> dict[str, Any]:
    markers = {k: v for k, v in result["meta"]["batch_markers"].items() if k != "ge_load_time"}
    return {**result, "meta": {**result["meta"], "batch_markers": markers}}


def _assert_same_as_one_pass(table: pa.Table) -> None:
    frame = frame_of(conform(ENERGY, table), CHECKS)
    two = run_suite("s", CHECKS, frame, "energy_meter")
    one = _one_complete_pass(frame)
    assert _without_load_time(two) == _without_load_time(one)
    as_rows = [(f.row, f.check.rule_id, f.value) for f in row_failures(two, CHECKS)]
    assert as_rows == [(f.row, f.check.rule_id, f.value) for f in row_failures(one, CHECKS)]


def test_overlapping_failures_on_the_same_rows_match_one_complete_pass() -> None:
    faults = [(row, fault) for row in (4, 5, 31) for fault in FAULTS]
    _assert_same_as_one_pass(_faulty([*faults, (40, "null power"), (41, "bad circuit")]))


def test_a_clean_batch_matches_one_complete_pass() -> None:
    _assert_same_as_one_pass(sample_table(ENERGY, ROWS))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, ROWS - 1), st.sampled_from(sorted(FAULTS))),
        min_size=1,
        max_size=12,
    )
)
def test_any_faults_match_one_complete_pass(faults: list[tuple[int, str]]) -> None:
    _assert_same_as_one_pass(_faulty(faults))


def _assert_first_pass_is_basic(table: pa.Table) -> None:
    # GX runs the first pass BOOLEAN_ONLY; what passed gets the BASIC result from counts
    frame = frame_of(conform(ENERGY, table), CHECKS)
    ours = run_pass("s", CHECKS, frame, "energy_meter", rows=False)
    basic = _one_complete_pass(frame, "BASIC")
    for mine, theirs in zip(ours["results"], basic["results"], strict=True):
        if theirs["success"]:
            assert mine == theirs
        else:  # left for the COMPLETE pass, which replaces it whole
            assert not mine["success"] and mine["result"] == {}
    assert _without_load_time({**ours, "results": []}) == _without_load_time(
        {**basic, "results": []}
    )


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, ROWS - 1), st.sampled_from(sorted(FAULTS))),
        max_size=12,
    )
)
def test_the_first_pass_gives_gx_basic_result_of_what_passed(
    faults: list[tuple[int, str]],
) -> None:
    _assert_first_pass_is_basic(_faulty(faults))


def test_the_first_pass_of_an_empty_batch_and_of_an_all_null_column_are_gx_basic() -> None:
    _assert_first_pass_is_basic(sample_table(ENERGY, 0))
    _assert_first_pass_is_basic(_faulty([(row, "null current") for row in range(ROWS)]))
