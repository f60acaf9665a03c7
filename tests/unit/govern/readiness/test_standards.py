"""The standards map: its data is well formed, and each release is judged on its own evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.govern.readiness import (
    Buckets,
    Organisation,
    load_inputs,
    load_standards,
    readiness_figures,
    standards_map,
)
from assay.govern.readiness._standards import STATUSES, figure, judged, release_has
from assay.store.objects import MemoryStore

from .conftest import BUCKETS, QUARANTINE

SOURCES = Buckets(releases=BUCKETS.releases, reports=BUCKETS.reports, quarantine=QUARANTINE)
ASKED = ["GB/T 36344-2018", "GB/T 43697-2024", "GB/T 45652-2025", "GB/T 36073-2018"]


@pytest.fixture(scope="module")
def figures(released_store: MemoryStore) -> dict[str, Any]:
    inputs = load_inputs(released_store, SOURCES, "process_params", "1.0.0")
    return readiness_figures(inputs, Organisation("ACME", "Li Lei", {"plant-a": "Foshan"}))


def test_every_standard_asked_for_is_mapped_and_well_formed() -> None:
    standards = load_standards()
    assert [s["id"] for s in standards][:4] == ASKED
    for s in standards:
        assert s["format"] == "assay.standard/1" and s["title"]["zh"] and s["title"]["en"]
        numbers = [c["number"] for c in s["clauses"] if c["number"] is not None]
        assert len(numbers) == len(set(numbers)), s["id"]
        if len(numbers) < len(s["clauses"]):  # a missing number is explained, never guessed
            assert s["note"]["zh"] and s["note"]["en"], s["id"]
        for c in s["clauses"]:
            assert c["status"] in STATUSES and c["title"]["zh"] and c["title"]["en"]
            assert all(
                len(e) == 1 and next(iter(e)) in {"figure", "file", "rule"} for e in c["evidence"]
            )
            # A status short of met says why; a claim of evidence names some.
            assert c["status"] == "met" or c.get("note"), (s["id"], c["title"])
            assert c["status"] == "not_evidenced" or c["evidence"], (s["id"], c["title"])


def test_the_guide_names_covered_and_uncovered_processes() -> None:
    guide = load_standards()[-1]
    status = {c["title"]["en"]: c["status"] for c in guide["clauses"]}
    assert status == {
        "Data collection": "met",
        "Data pre-processing": "met",
        "Data annotation": "not_evidenced",
        "Model validation": "not_evidenced",
    }


def test_every_met_clause_finds_its_evidence_in_the_release(figures: dict[str, Any]) -> None:
    for s in figures["standards"]:
        for c in s["clauses"]:
            if c["claimed"] == "met":
                missing = [e["ref"] for e in c["evidence"] if not e["found"]]
                assert c["status"] == "met" and not missing, (s["id"], c["number"], missing)
    assert sum(s["counts"]["not_evidenced"] for s in figures["standards"]) > 0  # never hidden


def test_missing_evidence_moves_a_clause_down(figures: dict[str, Any]) -> None:
    manifest = {"release": {"contract": "process_params"}, "documents": []}
    found = standards_map(figures | {"quality": {"dimensions": []}}, manifest)
    quality = found[0]["clauses"][0]
    assert (quality["claimed"], quality["status"]) == ("met", "not_evidenced")
    assert [e["found"] for e in quality["evidence"]] == [False, False]


@given(st.sampled_from(STATUSES), st.lists(st.booleans(), max_size=6))
def test_judging_never_raises_a_claim(claimed: str, found: list[bool]) -> None:
    status = judged(claimed, found)
    assert STATUSES.index(status) >= STATUSES.index(claimed)
    assert (status == claimed) == (all(found) or claimed == "not_evidenced")


def test_figure_paths_select_list_items(figures: dict[str, Any]) -> None:
    accuracy = figure(figures, "quality.dimensions[dimension=accuracy].score")
    assert accuracy == next(
        d["score"] for d in figures["quality"]["dimensions"] if d["dimension"] == "accuracy"
    )
    assert figure(figures, "quality.dimensions[dimension=nope].score") is None
    assert figure(figures, "no.such.path") is None


def test_files_are_the_manifest_its_keys_and_its_documents() -> None:
    manifest = {"lock": {"mode": "COMPLIANCE"}, "empty": {}, "documents": [{"path": "README.md"}]}
    assert release_has(manifest, "manifest.json") and release_has(manifest, "manifest.json#lock")
    assert not release_has(manifest, "manifest.json#empty")
    assert release_has(manifest, "README.md") and not release_has(manifest, "croissant.json")


def test_the_organisation_names_every_site(figures: dict[str, Any]) -> None:
    org = figures["organisation"]
    assert (org["enterprise"], org["steward"]) == ("ACME", "Li Lei")
    assert {s["site"]: s["name"] for s in org["sites"]} == {"plant-a": "Foshan", "plant-b": None}


def test_the_map_is_shipped_as_package_data() -> None:
    import assay.govern.readiness as readiness

    folder = Path(readiness.__file__).parent / "standards"
    assert len(list(folder.glob("*.yaml"))) == len(load_standards()) == 5
