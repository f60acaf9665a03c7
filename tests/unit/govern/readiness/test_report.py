"""The readiness report on a MemoryStore: files, where they go, self-containment, masking."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import assay.govern.readiness as readiness
from assay.govern.readiness import (
    MASK,
    Buckets,
    Report,
    build_report,
    load_inputs,
    readiness_figures,
)
from assay.govern.readiness._quarantine import event_date, rule_fields
from assay.govern.releases import ReleaseTampered
from assay.store.objects import MemoryStore

from .conftest import BAD_BADGE, BUCKETS, OPERATORS, QUARANTINE

SOURCES = Buckets(releases=BUCKETS.releases, reports=BUCKETS.reports, quarantine=QUARANTINE)
HEADINGS = [
    ("训练就绪报告", "Training-readiness report"),
    ("数据规模", "Dataset volume"),
    ("站点与设备覆盖", "Coverage per site and device"),
    ("数据质量", "Data quality"),
    ("各维度规则", "Rules behind each score"),
    ("主要隔离原因", "Top quarantine reasons"),
    ("分级与脱敏", "Classification and masking"),
    ("数据血缘", "Lineage"),
    ("校验和", "Checksums"),
    ("如何加载数据", "How to load the data"),
]
CHARTS = 5


@pytest.fixture(scope="module")
def built(
    released_store: MemoryStore, tmp_path_factory: pytest.TempPathFactory
) -> tuple[MemoryStore, Report]:
    store = released_store.fork()
    folder = tmp_path_factory.mktemp("report")
    report = build_report(
        store, SOURCES, "process_params", "1.0.0", folder, "http://127.0.0.1:7070"
    )
    return store, report


def test_public_surface_is_sorted_and_exists() -> None:
    def isort(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert readiness.__all__ == sorted(readiness.__all__, key=isort)
    assert all(hasattr(readiness, name) for name in readiness.__all__)


def test_three_files_go_to_the_folder_and_the_reports_bucket(
    built: tuple[MemoryStore, Report], released_store: MemoryStore
) -> None:
    store, report = built
    for name in ("readiness.html", "readiness.pdf", "readiness.json"):
        assert (report.folder / name).read_bytes() == report.files[name]
        assert (
            store.get(BUCKETS.reports, f"readiness/process_params/1.0.0/{name}")
            == (report.files[name])
        )
    releases_before = released_store.keys(BUCKETS.releases)
    assert store.keys(BUCKETS.releases) == releases_before  # the locked bucket is untouched
    assert json.loads(report.files["readiness.json"]) == report.figures


def test_pdf_is_a_pdf(built: tuple[MemoryStore, Report]) -> None:
    pdf = built[1].files["readiness.pdf"]
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_html_refers_to_nothing_outside_itself(built: tuple[MemoryStore, Report]) -> None:
    html = built[1].files["readiness.html"].decode()
    for outside in ('src="http', "src='http", 'href="http', "url(http", "url(file", 'src="file'):
        assert outside not in html
    assert "<link" not in html and "<script" not in html
    sources = re.findall(r'src="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)


def test_html_has_bilingual_headings_and_every_chart(built: tuple[MemoryStore, Report]) -> None:
    html = built[1].files["readiness.html"].decode()
    for zh, en in HEADINGS:
        heading = re.search(rf"<h[123]>[^<]*{zh}[^<]*<span class=\"en\">[^<]*{en}", html)
        assert heading, (zh, en)
    assert html.count('<img class="chart"') == CHARTS


def test_no_restricted_value_reaches_the_report(built: tuple[MemoryStore, Report]) -> None:
    _, report = built
    for name in ("readiness.html", "readiness.json"):
        text = report.files[name].decode()
        for value in [BAD_BADGE, *OPERATORS]:
            assert value not in text, (name, value)
    badge = next(
        r for r in report.figures["quarantine"]["by_rule"] if r["rule"].endswith("operator_id")
    )
    assert all(
        e["values"]["operator_id"] == MASK and MASK in e["reason"] for e in badge["examples"]
    )


def test_figures_are_deterministic(built: tuple[MemoryStore, Report]) -> None:
    store, report = built
    again = readiness_figures(load_inputs(store, SOURCES, "process_params", "1.0.0"))
    assert readiness.dumps_figures(again) == report.files["readiness.json"]


def test_a_tampered_data_file_is_refused(store: MemoryStore, tmp_path: Path) -> None:
    key = next(k for k in store.keys(BUCKETS.releases, "process_params/") if k.endswith(".parquet"))
    data, meta = store.objects[(BUCKETS.releases, key)]
    store.objects[(BUCKETS.releases, key)] = (data[:-1] + b"\x00", meta)
    with pytest.raises(ReleaseTampered) as refused:
        load_inputs(store, SOURCES, "process_params", "1.0.0")
    assert refused.value.paths == [key.removeprefix("process_params/1.0.0/")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2026-03-01T08:00:00Z", "2026-03-01"), ("garbage", None), (None, None), ("", None)],
)
def test_event_date_of_quarantined_text(value: object, expected: str | None) -> None:
    assert event_date(value) == expected


def test_rule_fields() -> None:
    assert rule_fields("unique:producer_id+seq") == ["producer_id", "seq"]
    assert rule_fields("range:cycle_time") == ["cycle_time"]
