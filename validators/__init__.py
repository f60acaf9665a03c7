"""Validation: contract -> Great Expectations suite -> curated rows, quarantine, scores, Data Docs.

``validate_table(contract, table)`` is the pipeline's entry point. Underneath,
``compile_checks`` turns the contract's rules into one expectation each (built-in
expectations on the data or on derived columns computed per device in event-time
order), the suite runs in an ephemeral GX context with COMPLETE results keyed by
``_row``, ``split_rows`` quarantines every row with an error-severity failure and
says why, ``score_dimensions`` scores the GB/T 36344 dimensions, and
``render_data_docs`` renders GX's Data Docs page. ``validate_tables`` validates several
batches in one GX run, each with the outcome ``validate_table`` gives it alone. Importing
this package does not import ``great_expectations`` (it costs seconds); the first
validation does.
This package imports only ``schemas`` of assay.
"""

from validators._checks import compile_checks
from validators._errors import ValidatorError
from validators._grouped import TableBatch, validate_tables
from validators._groups import group_codes
from validators._html import data_docs_css
from validators._report import dumps_result
from validators._sample import sample_table
from validators._split import with_quarantine_columns
from validators._validate import ValidationOutcome, validate_table, validation_frame
from validators._wording import identity_reason, seq_jump_reason, sequence_reset_reason

__all__ = [
    "TableBatch",
    "ValidationOutcome",
    "ValidatorError",
    "compile_checks",
    "data_docs_css",
    "dumps_result",
    "group_codes",
    "identity_reason",
    "sample_table",
    "seq_jump_reason",
    "sequence_reset_reason",
    "validate_table",
    "validate_tables",
    "validation_frame",
    "with_quarantine_columns",
]
