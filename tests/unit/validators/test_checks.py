"""Contract -> checks: every rule becomes an expectation that maps back to it (no GX needed)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Contract, Severity, compile_rules, load_contracts
from validators import compile_checks
from validators._checks import Check, _searched_whole
from validators._pattern_text import pattern_example
from validators._wording import describe

SHIPPED = load_contracts()
BUILT_IN = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
}


@pytest.mark.parametrize("contract", SHIPPED, ids=lambda c: c.name)
def test_every_rule_has_one_check_carrying_its_id_dimension_and_severity(
    contract: Contract,
) -> None:
    checks = compile_checks(contract)
    rules = compile_rules(contract)
    assert [c.rule_id for c in checks[: len(rules)]] == [r.rule_id for r in rules]
    for check, rule in zip(checks, rules, strict=False):
        assert (check.dimension, check.severity, check.rule) == (
            rule.dimension,
            rule.severity,
            rule,
        )
    assert all(c.expectation in BUILT_IN for c in checks)
    assert all(c.derived == c.column.startswith("_") for c in checks)


@pytest.mark.parametrize("contract", SHIPPED, ids=lambda c: c.name)
def test_a_future_event_time_is_an_error_of_timeliness(contract: Contract) -> None:
    skewed = Contract.model_validate({**contract.model_dump(), "max_clock_skew": "5s"})
    for declared, tolerance in ((contract, 60), (skewed, 5)):
        [future] = [c for c in compile_checks(declared) if c.kind == "future"]
        assert future.rule_id == f"future:{contract.event_time}"
        assert (future.severity, future.dimension) == (Severity.ERROR, "timeliness")
        assert future.kwargs == {"max_value": tolerance}
        assert future.column == f"_lead_seconds__{contract.event_time}"


@pytest.mark.parametrize("contract", SHIPPED, ids=lambda c: c.name)
def test_an_event_time_too_old_or_before_the_floor_is_an_error_of_timeliness(
    contract: Contract,
) -> None:
    aged = Contract.model_validate({**contract.model_dump(), "max_event_age": "30d"})
    assert "max_age" not in {c.kind for c in compile_checks(contract)}
    checks = {c.kind: c for c in compile_checks(aged)}
    age, floor = checks["max_age"], checks["earliest"]
    assert age.kwargs == {"max_value": 30 * 86400}
    assert floor.kwargs == {"min_value": 946684800.0}  # 2000-01-01T00:00:00Z
    for check in (age, floor):
        assert (check.severity, check.dimension) == (Severity.ERROR, "timeliness")
    # freshness (a warning) and max_age read the same lag column
    if "freshness" in checks:
        assert checks["freshness"].column == age.column


def test_stream_and_uniqueness_rules_read_derived_columns() -> None:
    columns = {c.rule_id: c.column for c in compile_checks(SHIPPED[0])}
    assert columns["monotonic:active_energy"] == "_drop__active_energy"
    assert columns["max_gap:active_power"] == "_gap_seconds__active_power"
    assert columns["stuck:active_power"] == "_run__active_power"
    assert columns["unique:producer_id+seq"] == "_replay__producer_id+seq"
    assert columns["range:voltage_l1"] == "voltage_l1"


def test_descriptions_are_bilingual_and_name_rule_dimension_and_severity() -> None:
    for check in compile_checks(SHIPPED[0]):
        text = describe(check)
        assert check.rule_id in text
        assert str(check.dimension) in text and str(check.severity) in text


@pytest.mark.parametrize(
    "pattern", [r"^[LMH][0-9]{5}$", r"^[A-Z0-9-]{6,32}$", r"^[a-z0-9][a-z0-9_-]*@[0-9]+\.[0-9]+$"]
)
def test_pattern_examples_match_and_differ(pattern: str) -> None:
    examples = [pattern_example(pattern, n) for n in range(50)]
    assert all(re.fullmatch(pattern, e) for e in examples)
    assert len(set(examples)) == 50


PATTERN_CHECKS = [c for s in SHIPPED for c in compile_checks(s) if c.kind == "pattern"]


@st.composite
def _pattern_check_and_text(draw: st.DrawFn) -> tuple[Check, str]:
    check = draw(st.sampled_from(PATTERN_CHECKS))
    near = st.from_regex(check.params["pattern"], fullmatch=True).flatmap(
        lambda v: st.sampled_from([v, v + "\n", "\n" + v, v + "x", v[:-1]])
    )
    return check, draw(st.one_of(near, st.text(max_size=12)))


@settings(deadline=None)
@given(_pattern_check_and_text())
def test_the_regex_expectation_accepts_exactly_the_full_matches(case: tuple[Check, str]) -> None:
    check, text = case
    # What Great Expectations does on pandas: ``column.astype(str).str.contains(regex)``.
    found = pd.Series([text]).astype(str).str.contains(check.kwargs["regex"]).iloc[0]
    assert bool(found) == (re.fullmatch(check.params["pattern"], text) is not None)


@settings(deadline=None)
@given(st.sampled_from(PATTERN_CHECKS).flatmap(lambda c: st.tuples(st.just(c), _column(c))))
def test_the_regex_expectation_over_a_whole_column_accepts_exactly_the_full_matches(
    case: tuple[Check, list[str]],
) -> None:
    # A column, as GX sees it: pandas picks Arrow's RE2 or Python's ``re`` for the whole
    # column (by the pattern and by the data: newlines, non-ASCII); either must agree.
    check, texts = case
    found = pd.Series(texts).astype(str).str.contains(check.kwargs["regex"]).tolist()
    assert found == [re.fullmatch(check.params["pattern"], t) is not None for t in texts]


def _column(check: Check) -> st.SearchStrategy[list[str]]:
    full = st.from_regex(check.params["pattern"], fullmatch=True)
    near = full.flatmap(lambda v: st.sampled_from([v, v + "\n", "\n" + v, v + "x", v[:-1]]))
    return st.lists(st.one_of(full, near, st.text(max_size=12)), min_size=1, max_size=20)


# Patterns built from the pieces contract patterns use, closed by an anchor, by a dollar sign
# (escaped once or, as a backslash then an anchor, twice) or by nothing.
_ATOMS = st.sampled_from(["a", "[a-z]", "[0-9]", "-", ".", "[A-Z0-9-]", r"\.", "(ab|c)", "[$]"])
_PIECES = st.tuples(_ATOMS, st.sampled_from(["", "?", "*", "{1,3}"])).map("".join)
_GENERATED = st.builds(
    lambda anchor, pieces, alt, end: f"{anchor}{''.join(pieces)}{alt}{end}",
    st.sampled_from(["", "^"]),
    st.lists(_PIECES, min_size=1, max_size=4),
    st.sampled_from(["", "|b", "|", "|b$"]),
    st.sampled_from(["", "$", r"\Z", r"\$", r"\\$", "$$"]),
)


@st.composite
def _generated_pattern_and_texts(draw: st.DrawFn) -> tuple[str, list[str]]:
    pattern = draw(_GENERATED)
    near = st.from_regex(pattern, fullmatch=True).flatmap(
        lambda v: st.sampled_from([v, v + "\n", v + "$", v + "\\", "\n" + v, v[:-1]])
    )
    return pattern, draw(st.lists(st.one_of(near, st.text("ab$\\\n.-1", max_size=6)), max_size=8))


@pytest.mark.filterwarnings("ignore:This pattern is interpreted as a regular expression")
@settings(deadline=None)
@given(_generated_pattern_and_texts())
def test_any_pattern_as_searched_by_gx_accepts_exactly_its_full_matches(
    case: tuple[str, list[str]],
) -> None:
    # The applied form drops the pattern's closing ``$`` anchor, and only an anchor: a
    # ``\$`` is a dollar sign, a ``\\$`` a backslash and an anchor.
    pattern, texts = case
    found = pd.Series(texts, dtype="str").str.contains(_searched_whole(pattern)).tolist()
    assert found == [re.fullmatch(pattern, t) is not None for t in texts]


@pytest.mark.parametrize(
    ("pattern", "applied"),
    [
        ("^[A-Z]{2}$", r"^(?:^[A-Z]{2})\Z"),
        (r"^price\$", r"^(?:^price\$)\Z"),
        (r"^dir\\$", r"^(?:^dir\\)\Z"),
        ("^a|b$", r"^(?:^a|b)\Z"),
        ("[a-z]+", r"^(?:[a-z]+)\Z"),
    ],
)
def test_only_a_closing_anchor_is_dropped(pattern: str, applied: str) -> None:
    assert _searched_whole(pattern) == applied
