"""The linter: every broken contract yields exactly the expected errors, with lines and fixes.

Each file in ``broken/`` states what it expects in a comment:
``# expect: <code>@<line> ...``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from schemas_testkit import energy

from schemas import (
    ContractInvalidError,
    LintCode,
    LintError,
    dump_contract,
    lint_file,
    lint_text,
    parse_contract,
)

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (.+)$", re.MULTILINE)


def expected_errors(path: Path) -> Counter[tuple[str, int]]:
    match = _EXPECT.search(path.read_text(encoding="utf-8"))
    assert match, f"{path.name} states no expectation"
    pairs = (item.split("@") for item in match.group(1).split())
    return Counter((code, int(line)) for code, line in pairs)


def test_there_is_a_broken_contract_for_every_required_check() -> None:
    codes = {code for path in BROKEN for code, _ in expected_errors(path)}
    required = {
        "unknown-type",
        "unknown-unit",
        "min-greater-than-max",
        "duplicate-field",
        "nullable-key",
        "missing-classification",
        "missing-masking",
        "unknown-field",
    }
    assert required <= codes


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_contract_yields_exactly_the_expected_errors(path: Path) -> None:
    errors = lint_file(path)
    assert Counter((str(e.code), e.line) for e in errors) == expected_errors(path)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_every_error_names_its_file_and_a_fix(path: Path) -> None:
    for error in lint_file(path):
        assert error.file == str(path)
        assert error.fix and error.message
        assert isinstance(error.code, LintCode)


def _by_code(path: str) -> dict[LintCode, LintError]:
    return {e.code: e for e in lint_file(Path(__file__).parent / "broken" / path)}


def test_errors_name_the_field_they_are_about() -> None:
    errors = _by_code("many_problems.yaml")
    assert errors[LintCode.UNKNOWN_UNIT].field == "power"
    assert errors[LintCode.MISSING_MASKING].field == "recipe"
    assert errors[LintCode.ENUM_WITHOUT_VALUES].field == "mode"
    assert errors[LintCode.SECURITY_LEVEL_TOO_LOW].field is None


def test_reference_errors_name_the_missing_field() -> None:
    assert _by_code("rule_missing_field.yaml")[LintCode.UNKNOWN_FIELD].field == "meter_id"
    assert _by_code("nullable_key.yaml")[LintCode.NULLABLE_KEY].field == "line_id"


def test_duplicate_field_points_at_the_second_declaration() -> None:
    error = _by_code("duplicate_field.yaml")[LintCode.DUPLICATE_FIELD]
    assert (error.field, error.line) == ("power", 21)


def test_lint_text_labels_errors_with_the_given_file_name() -> None:
    text = dump_contract(energy()).replace("type: float64", "type: float32", 1)
    [error] = lint_text(text, file="energy_meter.yaml")
    assert (error.file, error.code, error.field) == (
        "energy_meter.yaml",
        LintCode.UNKNOWN_TYPE,
        "active_power",
    )


def test_parse_contract_raises_with_every_error() -> None:
    text = (
        dump_contract(energy())
        .replace("unit: kW\n", "unit: kWish\n")
        .replace("unit: V\n", "unit: Vish\n", 1)
    )
    with pytest.raises(ContractInvalidError) as caught:
        parse_contract(text, file="x.yaml")
    assert [e.code for e in caught.value.errors] == [LintCode.UNKNOWN_UNIT, LintCode.UNKNOWN_UNIT]
    assert [e.field for e in caught.value.errors] == ["active_power", "voltage_l1"]


def test_a_non_mapping_document_is_rejected_at_line_one() -> None:
    [error] = lint_text("- just\n- a list\n")
    assert (error.code, error.line) == (LintCode.INVALID_VALUE, 1)


def test_ucum_and_pint_spellings_are_both_accepted() -> None:
    for unit in ("kW.h", "kWh", "Cel", "degC", "N.m", "/min", "{rev}/min", "rpm", "1", "%"):
        text = dump_contract(energy()).replace("unit: kW\n", f"unit: '{unit}'\n")
        assert lint_text(text) == [], unit


def test_decoding_settings_are_linted_with_the_choices_as_fix() -> None:
    errors = lint_file(Path(__file__).parent / "broken" / "bad_decoding.yaml")
    by_line = {e.line: e for e in errors}
    assert "'reject' or 'drop'" in by_line[13].message
    assert "epoch_ms" in by_line[14].fix
    assert "China/Beijing" in by_line[15].message and "Asia/Shanghai" in by_line[15].fix


def test_decoding_settings_are_accepted_and_round_trip() -> None:
    text = dump_contract(energy()).replace("unknown_fields: reject", "unknown_fields: drop")
    text = text.replace("event_time_encoding: rfc3339", "event_time_encoding: epoch_ms")
    contract = parse_contract(text + "timezone: Asia/Shanghai\n")
    assert (contract.unknown_fields, contract.event_time_encoding, contract.timezone) == (
        "drop",
        "epoch_ms",
        "Asia/Shanghai",
    )
    assert parse_contract(dump_contract(contract)) == contract


def test_a_quality_threshold_round_trips_and_one_above_1_is_refused_at_its_line() -> None:
    from schemas import to_odcs
    from schemas._odcs import from_odcs

    contract = parse_contract(dump_contract(energy()) + "quality_threshold: 0.99\n")
    assert contract.quality_threshold == 0.99
    assert parse_contract(dump_contract(contract)) == contract
    assert from_odcs(to_odcs(contract))["quality_threshold"] == 0.99
    text = dump_contract(energy()) + "quality_threshold: 1.5\n"
    (error,) = lint_text(text)
    assert error.line == text.count("\n") and "quality_threshold" in error.message
