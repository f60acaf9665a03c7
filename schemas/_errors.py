"""Errors of the contract layer.

``AssayError`` is the root of every error any assay package raises on purpose; it lives
here because ``schemas`` is the layer every other package imports. Each package hangs its
own tree under it (``EdgeError``, ``ValidatorError``, ``assay.errors``), so a command or a
task catches one root and reads ``transient`` to decide whether a retry may help.

Hierarchy::

    AssayError                        root of every package's errors; ``transient``
     └── ContractError                every error raised by ``schemas``
          ├── ContractInvalidError    a contract file failed the linter (carries LintErrors)
          └── ContractNotFoundError   no contract by that name/path (carries every place searched)

``LintError`` is a plain record, not an exception: the linter returns all of
them at once, and ``ContractInvalidError`` carries them when loading must stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "AssayError",
    "ContractError",
    "ContractInvalidError",
    "ContractNotFoundError",
    "LintCode",
    "LintError",
]


class LintCode(StrEnum):
    """Why a contract was rejected; stable identifiers that tests and tools match on."""

    YAML_SYNTAX = "yaml-syntax"
    DUPLICATE_KEY = "duplicate-key"
    DUPLICATE_FIELD = "duplicate-field"
    MISSING_KEY = "missing-key"
    UNKNOWN_KEY = "unknown-key"
    INVALID_VALUE = "invalid-value"
    BAD_NAME = "bad-name"
    BAD_VERSION = "bad-version"
    BAD_DURATION = "bad-duration"
    NAME_MISMATCH = "name-mismatch"
    UNKNOWN_TYPE = "unknown-type"
    UNKNOWN_UNIT = "unknown-unit"
    MIN_GREATER_THAN_MAX = "min-greater-than-max"
    BAD_PATTERN = "bad-pattern"
    ENUM_WITHOUT_VALUES = "enum-without-values"
    NOT_APPLICABLE = "not-applicable"
    NULLABLE_KEY = "nullable-key"
    NULLABLE_PARTITION = "nullable-partition"
    MISSING_CLASSIFICATION = "missing-classification"
    MISSING_MASKING = "missing-masking"
    SECURITY_LEVEL_TOO_LOW = "security-level-too-low"
    ENVELOPE_FIELD = "envelope-field"
    UNKNOWN_FIELD = "unknown-field"
    WRONG_FIELD_TYPE = "wrong-field-type"


@dataclass(frozen=True)
class LintError:
    """One problem in one contract file, with where it is and how to fix it."""

    file: str
    line: int
    code: LintCode
    message: str
    fix: str
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.code} {self.message} (fix: {self.fix})"


class AssayError(Exception):
    """Root of every error assay raises on purpose; ``transient`` says a retry may help."""

    transient: bool = False


class ContractError(AssayError):
    """Root of every error raised by the contract layer."""


class ContractInvalidError(ContractError):
    """A contract did not pass the linter; ``errors`` lists every problem found."""

    def __init__(self, file: str, errors: tuple[LintError, ...]) -> None:
        self.file = file
        self.errors = errors
        first = f": {errors[0]}" if errors else ""
        super().__init__(f"{file}: {len(errors)} contract error(s){first}")


class ContractNotFoundError(ContractError):
    """No contract matched; ``searched`` names every place that was looked at."""

    def __init__(self, name: str, major: int | None, searched: tuple[str, ...]) -> None:
        self.name = name
        self.major = major
        self.searched = searched
        wanted = name if major is None else f"{name} v{major}"
        super().__init__(f"no contract {wanted}; searched: {', '.join(searched) or 'nothing'}")
