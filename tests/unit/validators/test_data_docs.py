"""Data Docs and validation.json: every value shown as text, restricted values never shown."""

from __future__ import annotations

import copy
import html
import json
from datetime import UTC, datetime
from itertools import cycle
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from inert_markup import PAYLOADS, executable_markup, policies
from validators_testkit import Batch, row_of

from schemas import CONTENT_SECURITY_POLICY, MASK, load_contract
from validators import ValidationOutcome, dumps_result, validate_table
from validators._report import render_data_docs

PARAMS = load_contract("process_params")
#: Unrestricted string fields a producer fills, then the restricted ones (L3, personal).
OPEN = ("site", "device_id", "producer_id", "mould_id", "material")
RESTRICTED = ("operator_id", "recipe_id")


@pytest.fixture(scope="module")
def hostile() -> tuple[Batch, ValidationOutcome]:
    """process_params readings with a payload in every string field, one row per field."""
    batch = Batch(PARAMS, steps=6)
    payloads = cycle(PAYLOADS)
    for n, name in enumerate(OPEN + RESTRICTED):
        for step in range(2):
            value = next(payloads) + (f" secret-{name}-{step}" if name in RESTRICTED else "")
            batch.set(name, row_of(n % 3, step + 2 * (n // 3)), value)
    now = datetime(2025, 3, 2, tzinfo=UTC)
    return batch, validate_table(PARAMS, batch.table(), now=now)


def test_data_docs_run_nothing_and_carry_the_policy(hostile) -> None:  # type: ignore[no-untyped-def]
    page = hostile[1].data_docs_html
    assert executable_markup(page) == []
    assert policies(page) == [CONTENT_SECURITY_POLICY]
    assert "<script" not in page.lower() and "assayvalue" not in page


def test_unrestricted_values_are_shown_escaped(hostile) -> None:  # type: ignore[no-untyped-def]
    batch, outcome = hostile
    shown = [v for name in OPEN for v in batch.columns[name] if v in PAYLOADS]
    assert shown
    for value in shown:
        assert html.escape(value, quote=False) in outcome.data_docs_html, value


def test_restricted_values_are_masked_in_docs_and_json(hostile) -> None:  # type: ignore[no-untyped-def]
    batch, outcome = hostile
    stored = dumps_result(outcome.result_json).decode()
    hidden = {v for name in RESTRICTED for v in batch.columns[name] if "secret-" in str(v)}
    assert len(hidden) == 2 * len(RESTRICTED)
    for value in hidden:
        for text in (value, html.escape(value), json.dumps(value)[1:-1]):
            assert text not in outcome.data_docs_html and text not in stored
    items = [
        i
        for i in outcome.result_json["results"]
        if i["expectation_config"]["kwargs"].get("column") in RESTRICTED
    ]
    failed = [i["result"] for i in items if not i["success"]]
    assert failed and all(set(r["partial_unexpected_list"]) == {MASK} for r in failed)
    assert all(r["unexpected_count"] >= 1 for r in failed)
    assert MASK in outcome.data_docs_html


def test_validation_json_is_html_safe_and_the_same_data(hostile) -> None:  # type: ignore[no-untyped-def]
    result = hostile[1].result_json
    stored = dumps_result(result)
    assert not {b"<", b">", b"&"} & {bytes([c]) for c in stored}
    assert json.loads(stored) == json.loads(json.dumps(result, default=str))


def _strings_replaced(result: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    """``result`` with every string a producer or contract author controls replaced."""
    supply = cycle(texts)

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return next(supply)
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    changed = copy.deepcopy(result)
    for item in changed["results"]:
        item["result"] = swap(item["result"])
        config = item["expectation_config"]
        config["description"] = next(supply)
        config["kwargs"] = {
            k: v if k in {"column", "batch_id"} else swap(v) for k, v in config["kwargs"].items()
        }
    return changed


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.text(st.characters(exclude_categories=("Cs",))) | st.sampled_from(PAYLOADS),
        min_size=1,
        max_size=6,
    )
)
def test_arbitrary_text_never_becomes_script_or_handler(hostile, texts: list[str]) -> None:  # type: ignore[no-untyped-def]
    page = render_data_docs(_strings_replaced(hostile[1].result_json, texts))
    assert executable_markup(page) == []
    assert "<script" not in page.lower()


@settings(max_examples=8, deadline=None)
@given(
    st.lists(st.text(st.characters(exclude_categories=("Cs",)), min_size=1), min_size=4, max_size=4)
)
def test_arbitrary_text_in_string_fields_runs_nothing_end_to_end(texts: list[str]) -> None:
    batch = Batch(PARAMS, steps=2)
    for n, name in enumerate(("device_id", "site", "mould_id", "operator_id")):
        batch.set(name, row_of(n % 3, n // 3), texts[n])
    page = validate_table(PARAMS, batch.table()).data_docs_html
    assert executable_markup(page) == []
    assert "<script" not in page.lower()
