"""The dataset card shows producer and steward text as text in every Markdown renderer."""

from __future__ import annotations

import copy
from itertools import cycle
from typing import Any

import pytest
from inert_markup import PAYLOADS, executable_markup, links, markdown_pages

from assay.govern.releases import create_release
from assay.govern.releases._card import render_card
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, KEY, TERMS, request


@pytest.fixture(scope="module")
def manifest(curated_store: MemoryStore, params: Contract) -> dict[str, Any]:
    store = MemoryStore()
    store.objects = dict(curated_store.objects)
    return create_release(store, BUCKETS, request(params), KEY, TERMS).manifest


def hostile(manifest: dict[str, Any]) -> dict[str, Any]:
    """Every text of the manifest a card shows, replaced by an injection payload."""
    m = copy.deepcopy(manifest)
    payload = cycle(PAYLOADS)
    m["contract"]["title"] = {"zh": next(payload), "en": next(payload)}
    m["contract"]["description"] = {"zh": next(payload), "en": next(payload)}
    m["contract"]["owner"] = next(payload)
    m["release"]["licence"] = next(payload)
    m["totals"]["sites"] = list(PAYLOADS)
    m["totals"]["devices"] = list(PAYLOADS)
    for field in m["fields"]:
        field["unit"] = next(payload)
        field["description"] = {"zh": next(payload), "en": next(payload)}
    for segment in m["lineage"]["segments"]:
        segment["topic"] = next(payload)
    return m


def test_a_card_of_hostile_text_runs_and_links_nothing(
    manifest: dict[str, Any], params: Contract
) -> None:
    card = render_card(hostile(manifest), params).decode()
    for renderer, page in markdown_pages(card).items():
        assert executable_markup(page) == [], renderer
        assert links(page) == [], renderer
        assert "<img" not in page and "<svg" not in page and "<iframe" not in page, renderer


def test_hostile_text_cannot_add_table_cells_or_headings(
    manifest: dict[str, Any], params: Contract
) -> None:
    clean = render_card(manifest, params).decode()
    card = render_card(hostile(manifest), params).decode()
    assert card.count("\n#") == clean.count("\n#")
    lines = [line for line in card.splitlines() if line.startswith("|")]
    clean_lines = [line for line in clean.splitlines() if line.startswith("|")]
    cells = [line.replace("\\|", "").count("|") for line in lines]
    assert cells == [line.replace("\\|", "").count("|") for line in clean_lines]
