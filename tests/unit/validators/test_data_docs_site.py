"""A Data Docs page stands alone: nothing from a CDN, no vendor banner, no dead links,
no internal column names, the run's own time, every producer value escaped."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from inert_markup import executable_markup
from validators_testkit import Batch, row_of

from schemas import load_contract
from validators import data_docs_css, validate_table

PARAMS = load_contract("process_params")
HOSTILE = "<script>alert('x')</script>"
RUN = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def page() -> str:
    batch = Batch(PARAMS, steps=4)
    batch.set("device_id", row_of(0, 1), HOSTILE)
    batch.set("material", row_of(1, 2), HOSTILE)
    return validate_table(PARAMS, batch.table(), now=RUN).data_docs_html


def test_nothing_is_loaded_from_anywhere(page: str) -> None:
    assert not re.search(r"https?://|//cdn|unpkg|jsdelivr|bootstrapcdn|cloudflare", page)
    assert not re.search(r"url\(\s*['\"]?(?!data:)", page)
    assert "<link" not in page and "<script" not in page.lower()


def test_the_layout_travels_inside_the_page(page: str) -> None:
    assert f"<style>{data_docs_css()}</style>" in page
    assert ".container-fluid" in data_docs_css() and "http" not in data_docs_css()


def test_no_vendor_banner_and_no_links_out_of_the_page(page: str) -> None:
    assert "newsletter" not in page.lower() and "<footer" not in page
    assert "logo" not in page.lower() and "<img" not in page
    assert set(re.findall(r'href="(.)', page)) <= {"#"}


def test_derived_columns_are_named_by_their_fields(page: str) -> None:
    assert not re.search(r"_(ok|gap|run|drop|replay|key_count|lag|lead|epoch)_?\w*__", page)
    assert "_row" not in page


def test_the_run_time_is_the_runs(page: str) -> None:
    assert "2026-03-02T08:30:00" in page and "1970" not in page


def test_producer_markup_is_text(page: str) -> None:
    assert html.escape(HOSTILE, quote=False) in page and HOSTILE not in page
    assert executable_markup(page) == []
