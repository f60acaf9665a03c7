"""Errors of the validation stage.

Hierarchy::

    ValidatorError                 every error raised by ``validators`` (under ``AssayError``)
     ├── ReservedColumnError       an input column is named like the ones the stage adds (``_…``)
     ├── ValidationRunError        Great Expectations failed (translated at one boundary)
     │    └── ExpectationRunError  one expectation raised inside Great Expectations
     └── ResultShapeError          a validation result lacks what the row-level split needs

Every error says whether retrying can help (``transient``): only running out of
memory can; a suite that fails on some data fails the same way on a retry, so
the caller dead-letters or fails the batch instead.
"""

from __future__ import annotations

from schemas import AssayError

__all__ = [
    "ExpectationRunError",
    "ReservedColumnError",
    "ResultShapeError",
    "ValidationRunError",
    "ValidatorError",
]


class ValidatorError(AssayError):
    """Root of every error raised by ``validators``."""


class ReservedColumnError(ValidatorError):
    """The input table has a column whose name the stage reserves for itself."""

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__(f"input column {column!r} clashes with a column the validator adds")


class ValidationRunError(ValidatorError):
    """Great Expectations raised while building or running a suite."""

    def __init__(self, suite: str, stage: str, cause: BaseException) -> None:
        self.suite = suite
        self.stage = stage
        self.cause_type = type(cause).__name__
        self.transient = isinstance(cause, MemoryError)
        super().__init__(f"{stage} of suite {suite!r} failed: {self.cause_type}: {cause}")


class ExpectationRunError(ValidationRunError):
    """One expectation raised inside Great Expectations instead of returning a result."""

    def __init__(self, suite: str, rule_id: str, message: str) -> None:
        self.rule_id = rule_id
        super().__init__(suite, f"expectation {rule_id}", RuntimeError(message))


class ResultShapeError(ValidatorError):
    """A validation result lacks a key the row-level split needs (e.g. not run with COMPLETE)."""

    def __init__(self, rule_id: str, missing: str) -> None:
        self.rule_id = rule_id
        self.missing = missing
        super().__init__(f"result of {rule_id} has no {missing!r}; was it run with COMPLETE?")
