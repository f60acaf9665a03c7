"""The bilingual data dictionary: Chinese first, English second, in Markdown and HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from schemas_testkit import energy, replace, spec, with_field

from schemas import dictionary_view, load_contract, render_html, render_markdown, write_dictionary


def test_markdown_puts_chinese_before_english() -> None:
    page = render_markdown(energy())
    assert page.index("## 中文") < page.index("## English")
    assert page.index("### 字段") < page.index("### Fields")


def test_markdown_lists_fields_units_ranges_and_classification() -> None:
    page = render_markdown(energy())
    row = next(line for line in page.splitlines() if line.startswith("| `active_energy`"))
    assert "kW.h" in row and r"\[0, 1e+09\]" in row and "L2 重要数据" in row
    assert "`producer_id` (信封字段)" in page and "`producer_id` (envelope)" in page


def test_rules_show_their_quality_dimension_in_both_languages() -> None:
    page = render_markdown(energy())
    assert "| 单调不减 | active_energy |" in page and "| 一致性 |" in page
    assert "| monotonic | active_energy |" in page and "| consistency |" in page
    assert "时效性" in page and "timeliness" in page


def test_masking_is_shown_for_personal_fields() -> None:
    page = render_markdown(load_contract("process_params"))
    row = next(line for line in page.splitlines() if line.startswith("| `operator_id`"))
    assert "假名化" in row and "L3 核心数据" in row


def test_pipes_in_patterns_do_not_break_markdown_tables() -> None:
    contract = with_field(
        energy(), "mode", spec(type="string", unit=None, min=None, max=None, pattern="^(a|b)$")
    )
    assert r"^(a\|b)$" in render_markdown(contract)


def test_html_is_escaped_and_chinese_first() -> None:
    contract = replace(energy(), title={"zh": "电能 <b>", "en": "Energy <b>"})
    page = render_html(contract)
    assert page.startswith("<!DOCTYPE html>")
    assert "电能 &lt;b&gt;" in page and "<b>" not in page
    assert page.index("<h2>中文</h2>") < page.index("<h2>English</h2>")


def test_view_is_plain_data() -> None:
    view = dictionary_view(energy())
    assert view["topic"] == "assay.energy_meter.v1"
    assert {row["key"] for row in view["meta"]} >= {"scenario", "security_level", "retention"}


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_write_dictionary_writes_a_page_per_contract_and_an_index(
    tmp_path: Path, suffix: str
) -> None:
    contracts = [energy(), load_contract("machine_condition")]
    written = write_dictionary(contracts, tmp_path / "out")
    names = {path.name for path in written}
    assert {f"energy_meter{suffix}", f"machine_condition{suffix}", f"index{suffix}"} <= names
    index = (tmp_path / "out" / f"index{suffix}").read_text(encoding="utf-8")
    assert "电能表读数" in index and "machine_condition" in index
