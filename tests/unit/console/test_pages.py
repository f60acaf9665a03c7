"""Every page of the console over a store the real pipeline filled (HTTP, no browser)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from assay.console import Backend, create_app
from assay.console._auth import Sessions
from assay.govern.runs import RunState, RunsUnknown
from tests.unit.console._world import HOSTILE, csrf_of, sign_in


def test_overview_shows_problems_first_and_every_dimension(client: TestClient) -> None:
    sign_in(client)
    page = client.get("/?lang=en")
    assert page.status_code == 200
    text = page.text
    assert text.index("Open problems") < text.index("process_params")
    assert "Stalled partition" in text and "Audit unbalanced" in text
    for label in (
        "Normative",
        "Completeness",
        "Accuracy",
        "Consistency",
        "Timeliness",
        "Accessibility",
    ):
        assert label.lower() in text.lower()


def test_chinese_is_the_default_and_the_choice_is_remembered(client: TestClient) -> None:
    sign_in(client)
    assert "概览" in client.get("/").text
    assert "Overview" in client.get("/?lang=en").text
    assert "<h1>Overview</h1>" in client.get("/").text  # the cookie remembers
    assert "<h1>概览</h1>" in client.get("/?lang=zh").text


def test_quarantine_filters_by_rule_and_pages(client: TestClient) -> None:
    sign_in(client)
    everything = client.get("/quarantine?contract=process_params&lang=en").text
    rules = re.findall(r'<option value="([^"]+)"[^>]*>\1 \((\d+)\)', everything)
    assert rules, everything
    rule, count = rules[0]
    narrowed = client.get("/quarantine", params={"contract": "process_params", "rule": rule}).text
    assert f"{int(count):,} " in narrowed
    assert narrowed.count('class="row-link"') == min(int(count), 50)


def test_a_quarantined_row_shows_rules_reasons_values_and_coordinates(client: TestClient) -> None:
    sign_in(client)
    listing = client.get("/quarantine?contract=process_params&rule=range:barrel_temp_nozzle").text
    link = re.search(r'class="row-link" href="([^"]+)"', listing)
    assert link is not None, listing
    row = client.get(link[1].replace("&amp;", "&") + "&lang=en")
    assert row.status_code == 200
    assert "range:barrel_temp_nozzle" in row.text and "999.0" in row.text
    assert (
        "assay.process_params.v1" in row.text
        and "s3://raw/process_params/v1/partition=0/" in row.text
    )


def test_dead_letters_show_bytes_as_hex_and_escaped_text(client: TestClient) -> None:
    sign_in(client)
    listing = client.get("/deadletters?contract=process_params").text
    link = re.search(r'class="row-link" href="([^"]+)"', listing)
    assert link is not None, listing
    letter = client.get(link[1].replace("&amp;", "&")).text
    assert "3c 73 63 72 69 70 74 3e" in letter  # "<script>" in hex
    assert "\\x00\\xff" in letter


def test_audit_lists_every_contract_and_discrepancy(client: TestClient) -> None:
    sign_in(client)
    page = client.get("/audit?lang=en").text
    assert "process_params" in page and "NO" in page and "partition 0:" in page


def test_releases_list_detail_downloads_and_verify(client: TestClient) -> None:
    sign_in(client)
    assert "1.0.0" in client.get("/releases").text
    detail = client.get("/releases/process_params/1.0.0?lang=en")
    assert detail.status_code == 200 and "Dataset card" in detail.text and "<table>" in detail.text
    manifest = client.get("/releases/process_params/1.0.0/files/manifest.json")
    assert manifest.json()["release"]["version"] == "1.0.0"
    assert manifest.headers["content-disposition"].startswith("attachment")
    verified = client.post(
        "/releases/process_params/1.0.0/verify?lang=en", data={"csrf": csrf_of(detail.text)}
    )
    assert verified.status_code == 200 and "Verified" in verified.text


def test_missing_things_are_404_pages(client: TestClient) -> None:
    sign_in(client)
    assert client.get("/releases/process_params/9.9.9").status_code == 404
    assert client.get("/releases/process_params/1.0.0/files/secret.txt").status_code == 404
    assert client.get("/quarantine?contract=nope").status_code == 404
    bad_key = "/quarantine/row?contract=process_params&key=../../etc/passwd&row=0"
    assert client.get(bad_key).status_code == 404


def test_every_page_escapes_what_producers_sent(client: TestClient) -> None:
    sign_in(client)
    pages = [
        "/",
        "/audit",
        "/quarantine",
        "/deadletters",
        "/releases",
        "/releases/process_params/1.0.0",
    ]
    pages += [link.replace("&amp;", "&") for link in _row_links(client)]
    for path in pages:
        body = client.get(path).text
        assert HOSTILE not in body, path
        assert "<script" not in body.lower(), path
    assert any("&lt;script&gt;" in client.get(p).text for p in pages)


def _row_links(client: TestClient) -> list[str]:
    found = []
    for listing in ("/quarantine", "/deadletters"):
        found += re.findall(r'class="row-link" href="([^"]+)"', client.get(listing).text)
    return found


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/login", "/", "/static/console.css", "/nowhere"):
        response = client.get(path, follow_redirects=False)
        assert "default-src 'none'" in response.headers["content-security-policy"], path
        assert response.headers["x-content-type-options"] == "nosniff", path


def console_with(backend: Backend, state_dir: Path, **changes: Any) -> TestClient:
    app = create_app(lambda: replace(backend, **changes), Sessions(b"unit-test-key" * 3), state_dir)
    return TestClient(app, base_url="http://console.test")


def test_a_failed_run_and_a_low_score_are_open_problems_in_red(
    backend: Backend, state_dir: Path
) -> None:
    failed = RunState("process_params", "validate", "assay_validate_process_params", "failed",
                      HOSTILE, "2026-03-02T00:00:00Z")  # fmt: skip
    with console_with(backend, state_dir, runs=lambda: [failed], threshold=lambda c: 0.999) as web:
        sign_in(web)
        text = web.get("/?lang=en").text
    problems = text[text.index("Open problems") : text.index('<section class="contract"')]
    assert (
        'class="bad"><b>Failed run</b>' in problems and "assay_validate_process_params" in problems
    )
    assert "Quality score under threshold" in problems and HOSTILE not in text
    assert "DAG runs unknown" not in text


def test_runs_are_unknown_without_airflow_and_the_page_still_renders(
    backend: Backend, state_dir: Path
) -> None:
    def down() -> list[RunState]:
        raise RunsUnknown("Airflow at http://127.0.0.1:9 did not answer")

    for runs in (None, down):
        with console_with(backend, state_dir, runs=runs) as web:
            sign_in(web)
            page = web.get("/?lang=en")
        assert page.status_code == 200 and 'id="runs-unknown"' in page.text
        assert "Failed run" not in page.text


def test_every_dimension_has_a_trend_drawn_as_inline_svg(client: TestClient) -> None:
    sign_in(client)
    text = client.get("/?lang=en").text
    dimensions = text[text.index('<table class="dimensions">') :]
    assert dimensions.count('<svg class="trend"') == 6
    assert "<polyline" in dimensions and "<script" not in text and "style=" not in text
