"""The row-level split, scores and the GX boundary, on hand-made results (no GX run)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from schemas import load_contract
from validators import compile_checks
from validators._errors import ExpectationRunError, ResultShapeError, ValidationRunError
from validators._gx import _guarded
from validators._scores import score_dimensions
from validators._split import split_rows

ENERGY = load_contract("energy_meter")
CHECKS = compile_checks(ENERGY)
BY_ID = {c.rule_id: c for c in CHECKS}


def _item(rule_id: str, rows: list[int], *, checked: int = 4) -> dict[str, Any]:
    column = BY_ID[rule_id].column
    return {
        "success": not rows,
        "expectation_config": {"meta": {"rule_id": rule_id}},
        "result": {
            "element_count": checked,
            "missing_count": 0,
            "unexpected_index_list": [{"_row": r, column: 1.0} for r in rows],
        },
        "exception_info": {"raised_exception": False},
    }


def _result(*items: dict[str, Any]) -> dict[str, Any]:
    return {"suite_name": "energy_meter.v1.0.0", "results": list(items)}


TABLE = pa.table({"seq": [0, 1, 2, 3]})


def test_errors_quarantine_and_warnings_keep_the_row() -> None:
    result = _result(
        _item("range:voltage_l1", [1]),
        _item("stuck:active_power", [1, 2]),
        _item("not_null:frequency", []),
    )
    split = split_rows(result, CHECKS, TABLE, TABLE)
    assert split.passing["seq"].to_pylist() == [0, 2, 3]
    row = split.quarantined.to_pylist()[0]
    assert row["failed_rules"] == ["range:voltage_l1", "stuck:active_power"]
    assert row["failed_dimensions"] == ["accuracy", "accuracy"]
    assert row["severity"] == "error"
    assert (split.summary.quarantined, split.summary.warned) == (1, 1)


def test_a_type_failure_masks_the_same_fields_other_failures() -> None:
    result = _result(_item("type:frequency", [2]), _item("not_null:frequency", [2]))
    row = split_rows(result, CHECKS, TABLE, TABLE).quarantined.to_pylist()[0]
    assert row["failed_rules"] == ["type:frequency"]


def test_scores_are_the_share_of_checked_pairs_that_passed() -> None:
    result = _result(
        _item("range:voltage_l1", [1]), _item("range:frequency", []), _item("type:seq", [])
    )
    scores = score_dimensions(split_rows(result, CHECKS, TABLE, TABLE).summary)
    accuracy = scores.get("accuracy")
    assert (accuracy.checked, accuracy.passed, accuracy.score) == (8, 7, 7 / 8)
    assert accuracy.rules == ("range:voltage_l1", "range:frequency")
    assert scores.get("accessibility").score is None
    assert (scores.checked, scores.passed) == (12, 11)


def test_a_result_without_row_indexes_is_refused() -> None:
    item = _item("range:voltage_l1", [1])
    del item["result"]["unexpected_index_list"]
    with pytest.raises(ResultShapeError) as caught:
        split_rows(_result(item), CHECKS, TABLE, TABLE)
    assert (caught.value.rule_id, caught.value.missing) == (
        "range:voltage_l1",
        "unexpected_index_list",
    )


def test_an_expectation_that_raised_is_an_error_with_its_rule() -> None:
    item = _item("range:voltage_l1", [])
    item["exception_info"] = {"raised_exception": True, "exception_message": "boom"}
    with pytest.raises(ExpectationRunError) as caught:
        split_rows(_result(item), CHECKS, TABLE, TABLE)
    assert caught.value.rule_id == "range:voltage_l1"
    assert caught.value.transient is False


@pytest.mark.parametrize(
    ("raised", "transient"),
    [(ValueError("x"), False), (KeyError("k"), False), (MemoryError(), True)],
)
def test_the_boundary_translates_every_exception(raised: BaseException, transient: bool) -> None:
    def fail() -> None:
        raise raised

    with pytest.raises(ValidationRunError) as caught:
        _guarded("suite", "validation", fail)
    assert caught.value.transient is transient
    assert caught.value.cause_type == type(raised).__name__
    assert caught.value.__cause__ is raised
