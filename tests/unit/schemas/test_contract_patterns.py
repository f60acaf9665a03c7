"""Contract patterns match whole values wherever they are applied.

Engines search (``re.search``, ``jsonschema``, pandas ``str.contains`` under Great
Expectations) and Python's ``$`` also matches before a trailing newline; a pattern as
applied must agree with ``re.fullmatch`` of the pattern as written, for any string.
"""

from __future__ import annotations

import re

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from schemas_testkit import changed_field, energy

from schemas import (
    LintCode,
    all_fields,
    dump_contract,
    lint_text,
    load_contracts,
    parse_duration,
    to_json_schema,
    whole_value_pattern,
)

SHIPPED_PATTERNS = sorted(
    {spec.pattern for c in load_contracts() for spec in all_fields(c).values() if spec.pattern}
)
# Small patterns built from the pieces contract patterns use, anchored or not.
_ATOMS = st.sampled_from(["a", "[a-z]", "[0-9]", r"\d", "-", ".", "[A-Z0-9-]", r"\.", "(ab|c)"])
_PIECES = st.tuples(_ATOMS, st.sampled_from(["", "?", "*", "+", "{1,3}"])).map("".join)
GENERATED = st.builds(
    lambda anchor, pieces, alt, end: f"{anchor}{''.join(pieces)}{alt}{end}",
    st.sampled_from(["", "^"]),
    st.lists(_PIECES, min_size=1, max_size=4),
    st.sampled_from(["", "|b", "|"]),
    st.sampled_from(["", "$", r"\Z"]),
)
PATTERNS = st.one_of(st.sampled_from(SHIPPED_PATTERNS), GENERATED)


@st.composite
def pattern_and_text(draw: st.DrawFn) -> tuple[str, str]:
    """A pattern and a string near its edge: a match, perturbed or not, or any text."""
    pattern = draw(PATTERNS)
    near = st.from_regex(pattern, fullmatch=True).flatmap(
        lambda v: st.sampled_from([v, v + "\n", "\n" + v, v + "\r\n", v + "x", " " + v, v[:-1]])
    )
    return pattern, draw(st.one_of(near, st.text(max_size=12)))


@given(pattern_and_text())
def test_a_search_for_the_applied_pattern_is_a_full_match(case: tuple[str, str]) -> None:
    pattern, text = case
    expected = re.fullmatch(pattern, text) is not None
    applied = whole_value_pattern(pattern)
    assert (re.search(applied, text) is not None) == expected
    schema = {"type": "string", "pattern": applied}
    assert jsonschema.Draft202012Validator(schema).is_valid(text) == expected


def test_a_trailing_newline_fails_the_json_schema_of_a_reading() -> None:
    contract = energy()
    reading_schema = to_json_schema(contract)
    site = reading_schema["properties"]["site"]
    check = jsonschema.Draft202012Validator(site)
    assert check.is_valid("sz-plant-1")
    assert not check.is_valid("sz-plant-1\n")
    stamp = jsonschema.Draft202012Validator(reading_schema["properties"]["event_time"])
    assert stamp.is_valid("2026-03-01T08:00:00.000Z")
    assert not stamp.is_valid("2026-03-01T08:00:00.000Z\n")


def test_a_pattern_that_cannot_apply_to_whole_values_is_rejected_with_a_fix() -> None:
    text = dump_contract(changed_field(energy(), "circuit", pattern="(?i)[a-z0-9-]+"))
    errors = [e for e in lint_text(text) if e.code is LintCode.BAD_PATTERN]
    assert [e.field for e in errors] == ["circuit"]
    assert "(?i:" in errors[0].fix
    assert not lint_text(dump_contract(changed_field(energy(), "circuit", pattern="(?i:[a-z]+)")))


@pytest.mark.parametrize("text", ["7d\n", " 7d", "7d7d"])
def test_a_duration_is_the_whole_text(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)
