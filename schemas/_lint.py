"""The contract linter: YAML text in, every problem out, each with file, line and fix.

Three passes, each reporting all it finds: YAML syntax and duplicate keys,
then the pydantic model (shape), then ``check_contract`` (sense). A later pass
runs only when the earlier ones left a contract to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from schemas._checks import Finding, check_contract
from schemas._errors import ContractInvalidError, LintCode, LintError
from schemas._model import FIELD_TYPES, Contract, FieldSpec
from schemas._source import Document, DuplicateKey, YamlSyntaxError, parse_yaml

__all__ = ["lint_file", "lint_text", "parse_contract"]

_DURATION_KEYS = frozenset(
    {"kafka", "raw", "curated", "freshness", "max_gap", "max_event_age", "max_clock_skew"}
)
_DECODING_FIXES = {
    "unknown_fields": "write `unknown_fields: reject` (the default) or `unknown_fields: drop`",
    "event_time_encoding": "write one of: rfc3339 (the default), epoch_s, epoch_ms, epoch_us",
    "timezone": "write an IANA zone name such as Asia/Shanghai, or remove it",
}


def lint_text(
    text: str, file: str = "<string>", expected_name: str | None = None
) -> list[LintError]:
    """Lint contract YAML ``text``; ``file`` labels the errors, sorted by line."""
    return _lint(text, file, expected_name)[1]


def lint_file(path: str | Path) -> list[LintError]:
    """Lint one contract file, named ``<name>.yaml`` (or ``<name>.<anything>.yaml``)."""
    path = Path(path)
    return lint_text(path.read_text(encoding="utf-8"), str(path), name_for_path(path))


def name_for_path(path: Path) -> str:
    """The contract name a file must hold: its name up to the first dot."""
    return path.name.split(".")[0]


def parse_contract(text: str, file: str = "<string>", expected_name: str | None = None) -> Contract:
    """Parse and lint contract YAML; raise ``ContractInvalidError`` listing every problem."""
    contract, errors = _lint(text, file, expected_name)
    if errors or contract is None:
        raise ContractInvalidError(file, tuple(errors))
    return contract


def _lint(
    text: str, file: str, expected_name: str | None
) -> tuple[Contract | None, list[LintError]]:
    try:
        doc = parse_yaml(text)
    except YamlSyntaxError as exc:
        return None, [_yaml_error(file, exc)]
    errors = [_duplicate_error(file, dup) for dup in doc.duplicates]
    contract, shape_errors = _validate(doc, file)
    errors.extend(shape_errors)
    if contract is not None:
        errors.extend(_from_finding(file, doc, f) for f in check_contract(contract))
        errors.extend(_check_name(file, doc, contract, expected_name))
    return contract, sorted(errors, key=lambda e: (e.line, e.code))


def _validate(doc: Document, file: str) -> tuple[Contract | None, list[LintError]]:
    if not isinstance(doc.data, dict):
        message = "a contract must be a YAML mapping"
        fix = "start from a shipped contract in schemas/contracts/"
        return None, [LintError(file, 1, LintCode.INVALID_VALUE, message, fix)]
    try:
        return Contract.model_validate(doc.data), []
    except ValidationError as exc:
        return None, [_from_pydantic(file, doc, error) for error in exc.errors()]


def _yaml_error(file: str, exc: YamlSyntaxError) -> LintError:
    fix = "fix the YAML syntax (indentation, quoting, colons) at this line"
    return LintError(file, exc.line, LintCode.YAML_SYNTAX, f"not valid YAML: {exc.problem}", fix)


def _duplicate_error(file: str, dup: DuplicateKey) -> LintError:
    key = str(dup.path[-1])
    if len(dup.path) == 2 and dup.path[0] == "fields":
        message, fix = f"field {key!r} is declared twice", "rename or remove one of the two"
        return LintError(file, dup.line, LintCode.DUPLICATE_FIELD, message, fix, key)
    message = f"key {'.'.join(map(str, dup.path))} appears twice"
    return LintError(file, dup.line, LintCode.DUPLICATE_KEY, message, "keep only one of them")


def _from_finding(file: str, doc: Document, finding: Finding) -> LintError:
    line = doc.line_of(finding.path)
    return LintError(file, line, finding.code, finding.message, finding.fix, finding.field)


def _check_name(
    file: str, doc: Document, contract: Contract, expected: str | None
) -> list[LintError]:
    if expected is None or contract.name == expected:
        return []
    message = f"contract {contract.name!r} lives in a file named {expected!r}"
    fix = f"rename the file to {contract.name}.yaml or set `name: {expected}`"
    return [LintError(file, doc.line_of(("name",)), LintCode.NAME_MISMATCH, message, fix)]


def _from_pydantic(file: str, doc: Document, error: ErrorDetails) -> LintError:
    loc = tuple(error["loc"])
    code = _code_for(loc, error["type"])
    field = str(loc[1]) if len(loc) > 1 and loc[0] == "fields" else None
    where = ".".join(map(str, loc)) or "contract"
    got = "" if error["type"] == "missing" else f" (got {_show(error.get('input'))})"
    message = f"{where}: {error['msg']}{got}"
    return LintError(file, doc.line_of(loc), code, message, _fix_for(code, loc), field)


def _code_for(loc: tuple[Any, ...], kind: str) -> LintCode:
    last = loc[-1] if loc else None
    if kind == "missing":
        return LintCode.MISSING_CLASSIFICATION if last == "classification" else LintCode.MISSING_KEY
    if kind == "extra_forbidden":
        return LintCode.UNKNOWN_KEY
    if len(loc) == 3 and loc[0] == "fields" and last == "type":
        return LintCode.UNKNOWN_TYPE
    if loc == ("version",):
        return LintCode.BAD_VERSION
    if last == "[key]" or loc == ("name",):
        return LintCode.BAD_NAME
    if last in _DURATION_KEYS:
        return LintCode.BAD_DURATION
    return LintCode.INVALID_VALUE


def _fix_for(code: LintCode, loc: tuple[Any, ...]) -> str:
    last = str(loc[-1]) if loc else ""
    if code is LintCode.INVALID_VALUE and len(loc) == 1 and last in _DECODING_FIXES:
        return _DECODING_FIXES[last]
    fixes = {
        LintCode.MISSING_CLASSIFICATION: "add `classification: L1`, `L2` or `L3`",
        LintCode.MISSING_KEY: f"add `{last}:`",
        LintCode.UNKNOWN_KEY: f"remove `{last}` or correct its spelling; allowed: "
        + ", ".join(_allowed_keys(loc)),
        LintCode.UNKNOWN_TYPE: f"use one of: {', '.join(FIELD_TYPES)}",
        LintCode.BAD_VERSION: 'write a quoted semantic version MAJOR.MINOR.PATCH, e.g. "1.0.0"',
        LintCode.BAD_NAME: "use lower_snake_case: a letter, then letters, digits or _",
        LintCode.BAD_DURATION: "write an integer and a unit: 500ms, 10s, 15min, 1h or 7d",
    }
    return fixes.get(code, "correct the value as the message says")


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] | None = None
    if len(loc) == 1:
        model = Contract
    elif len(loc) == 3 and loc[0] == "fields":
        model = FieldSpec
    return list(model.model_fields) if model is not None else ["see the contract format"]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
