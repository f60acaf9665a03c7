"""A quarantined row's reason column split back into each rule's reason, in each language."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assay.console._rows import _rules


def test_each_rule_gets_its_own_reason_in_both_languages() -> None:
    row = {
        "failed_rules": ["range:a", "pattern:b"],
        "failed_dimensions": ["accuracy", "normative"],
        "reason": "range:a：a = 9，应当在范围内；pattern:b：b 不匹配 / "
        "range:a: a = 9; expected within range; pattern:b: b does not match",
    }
    found = _rules(row)
    assert [(r["zh"], r["en"]) for r in found] == [
        ("a = 9，应当在范围内", "a = 9; expected within range"),
        ("b 不匹配", "b does not match"),
    ]
    assert found[0]["dimension_zh"] == "准确性"


@given(
    st.lists(st.text(min_size=1, max_size=12), max_size=4),
    st.lists(st.text(max_size=12), max_size=4),
    st.text(max_size=80),
)
def test_any_row_gives_one_entry_per_rule_and_never_fails(
    rules: list[str], dimensions: list[str], reason: str
) -> None:
    row = {"failed_rules": rules, "failed_dimensions": dimensions, "reason": reason}
    found = _rules(row)
    assert [r["rule"] for r in found] == rules
    assert all(r["zh"] in reason and r["en"] in reason for r in found)
