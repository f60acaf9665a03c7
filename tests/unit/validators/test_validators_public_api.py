"""The public surface of ``validators`` and what importing it costs."""

from __future__ import annotations

import subprocess
import sys

import validators

EXPECTED = {
    "Check",
    "DimensionScore",
    "ExpectationRunError",
    "Failure",
    "QualityScores",
    "ReservedColumnError",
    "ResultShapeError",
    "RowSplit",
    "RuleCount",
    "SplitSummary",
    "ValidationOutcome",
    "ValidationRunError",
    "ValidatorError",
    "build_suite",
    "compact_result",
    "compile_checks",
    "derived_name",
    "render_data_docs",
    "row_failures",
    "run_suite",
    "sample_table",
    "score_dimensions",
    "split_rows",
    "suite_name",
    "validate_table",
    "validation_frame",
    "write_data_docs",
}


def test_all_is_sorted_and_guarded() -> None:
    assert validators.__all__ == sorted(validators.__all__)
    assert set(validators.__all__) == EXPECTED
    for name in validators.__all__:
        assert getattr(validators, name) is not None


def test_importing_validators_imports_neither_gx_nor_other_stages() -> None:
    code = (
        "import sys, validators\n"
        "heavy = ('great_expectations', 'airflow', 'assay', 'producers')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
