"""Validation: contract -> Great Expectations suite -> curated rows, quarantine, scores, Data Docs.

``validate_table(contract, table)`` is the pipeline's entry point. Underneath,
``compile_checks`` turns the contract's rules into one expectation each (built-in
expectations on the data or on derived columns computed per device in event-time
order), the suite runs in an ephemeral GX context with COMPLETE results keyed by
``_row``, ``split_rows`` quarantines every row with an error-severity failure and
says why, ``score_dimensions`` scores the GB/T 36344 dimensions, and
``render_data_docs`` renders GX's Data Docs page. Importing this package does not
import ``great_expectations`` (it costs seconds); the first validation does.
This package imports only ``schemas`` of assay.
"""

from validators._checks import Check, compile_checks, derived_name
from validators._errors import (
    ExpectationRunError,
    ReservedColumnError,
    ResultShapeError,
    ValidationRunError,
    ValidatorError,
)
from validators._gx import build_suite, run_suite
from validators._report import compact_result, dumps_result, render_data_docs, write_data_docs
from validators._sample import sample_table
from validators._scores import DimensionScore, QualityScores, score_dimensions
from validators._split import (
    QUARANTINE_COLUMNS,
    Failure,
    RowSplit,
    RuleCount,
    SplitSummary,
    row_failures,
    split_rows,
    with_quarantine_columns,
)
from validators._validate import ValidationOutcome, suite_name, validate_table, validation_frame
from validators._wording import sequence_reset_reason

__all__ = [
    "QUARANTINE_COLUMNS",
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
    "dumps_result",
    "render_data_docs",
    "row_failures",
    "run_suite",
    "sample_table",
    "score_dimensions",
    "sequence_reset_reason",
    "split_rows",
    "suite_name",
    "validate_table",
    "validation_frame",
    "with_quarantine_columns",
    "write_data_docs",
]
