"""One way to hide a restricted value in every report."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from schemas import MASK, load_contract, masked, masked_text, restricted_fields


def test_restricted_fields_are_l3_or_personal() -> None:
    assert restricted_fields(load_contract("process_params")) == {"recipe_id", "operator_id"}
    assert restricted_fields(load_contract("energy_meter")) == frozenset()


def test_a_missing_value_stays_missing() -> None:
    assert masked(None) is None
    assert masked("OP123456") == MASK
    assert masked(0) == MASK


def test_every_spelling_of_a_value_leaves_the_text() -> None:
    text = "operator_id OP123456 does not match; reading 0.1 (0.10000000000000001)"
    hidden = masked_text(text, ["OP123456", 0.1, None, ""])
    assert "OP123456" not in hidden and "0.1" not in hidden
    assert hidden.count(MASK) == 3


@given(st.text(min_size=1), st.text(), st.text())
def test_no_copy_of_a_value_survives(value: str, before: str, after: str) -> None:
    pieces = masked_text(before + value + after, [value]).split(MASK)
    assert len(pieces) > 1
    assert not any(value in piece for piece in pieces)
