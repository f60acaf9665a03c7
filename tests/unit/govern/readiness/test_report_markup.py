"""The readiness report of a window with hostile quarantined rows: HTML and PDF run nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inert_markup import PAYLOADS, executable_markup, links, pdf_actions, policies
from markupsafe import escape

from assay.govern.readiness import Buckets as Sources
from assay.govern.readiness import Report, build_report
from assay.govern.readiness._render import TOC
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.landing import MemoryPartition
from assay.pipeline.validate import curation
from assay.store.objects import HTML, MemoryStore
from schemas import CONTENT_SECURITY_POLICY, Contract

from .conftest import BUCKETS, QUARANTINE, records

SOURCES = Sources(releases=BUCKETS.releases, reports=BUCKETS.reports, quarantine=QUARANTINE)
#: Shown in quarantine examples: the site, the key, and the failing rule's field.
SHOWN = ("site", "device_id", "mould_id")
SECRET = "secret-badge"


def hostile_partition(contract: Contract, store: MemoryStore) -> list[str]:
    """Land and validate partition 2, each reading with a payload in a shown field and a
    restricted one; the payloads shown."""
    hostile, shown = [], []
    for n, rec in enumerate(records("plant-a", 2)[:12]):
        reading = json.loads(rec.value or b"")
        value = PAYLOADS[n % len(PAYLOADS)]
        reading[SHOWN[n % len(SHOWN)]] = value
        reading["operator_id"] = f"{value} {SECRET}"
        hostile.append(rec._replace(value=json.dumps(reading).encode()))
        shown.append(value)
    landing.land_partition(
        MemoryPartition(hostile),
        store,
        landing.Buckets(raw=BUCKETS.raw, deadletter="dead"),
        contract,
    )
    checked = curation.Buckets(
        raw=BUCKETS.raw, curated=BUCKETS.curated, quarantine=QUARANTINE, reports=BUCKETS.reports
    )
    curation.validate_pending(store, checked, contract, 2)
    return shown


@pytest.fixture(scope="module")
def report(
    released_store: MemoryStore, params: Contract, tmp_path_factory: pytest.TempPathFactory
) -> tuple[MemoryStore, Report, list[str]]:
    store = released_store.fork()
    shown = hostile_partition(params, store)
    folder: Path = tmp_path_factory.mktemp("hostile")
    built = build_report(store, SOURCES, "process_params", "1.0.0", folder, "http://127.0.0.1:7070")
    return store, built, shown


def test_hostile_values_are_shown_as_text(report) -> None:  # type: ignore[no-untyped-def]
    _, built, shown = report
    page = built.files["readiness.html"].decode()
    examples = [
        v
        for r in built.figures["quarantine"]["by_rule"]
        for e in r["examples"]
        for v in e["values"].values()
    ]
    assert set(shown) & set(examples), "the hostile rows must reach the report"
    for value in set(shown) & set(examples):
        assert str(escape(value)) in page


def test_the_page_runs_nothing_and_carries_the_policy(report) -> None:  # type: ignore[no-untyped-def]
    store, built, _ = report
    page = built.files["readiness.html"].decode()
    # The table of contents links within the page only, to the sections it lists.
    assert executable_markup(page) == [] and links(page) == [f"#{id}" for id, _, _ in TOC]
    assert policies(page) == [CONTENT_SECURITY_POLICY]
    assert SECRET not in page and SECRET not in built.files["readiness.json"].decode()
    assert store.headers[(BUCKETS.reports, built.prefix + "readiness.html")] == {
        "Content-Type": HTML,
        "Content-Disposition": "attachment",
    }


def test_the_pdf_holds_no_action(report) -> None:  # type: ignore[no-untyped-def]
    assert pdf_actions(report[1].files["readiness.pdf"]) == []
