"""Validation reports: the index per contract, a page under its policy, and refusals."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from inert_markup import executable_markup

from assay.console import Backend
from assay.console._reports import PAGE_CSP, report_index
from tests.unit.console._world import BUCKETS, HOSTILE, sign_in

LINK = re.compile(r'class="report-link" href="([^"]+)"')


def test_the_index_lists_every_segment_newest_first_with_real_times(backend: Backend) -> None:
    index = report_index(backend.store, BUCKETS.reports, "process_params")
    pages = [k for k in backend.store.keys(BUCKETS.reports, "process_params/") if "data_docs" in k]
    assert [r.key for r in index] and sorted(r.key for r in index) == sorted(pages)
    times = [r.run_time for r in index]
    assert times == sorted(times, reverse=True)
    assert all(t.startswith("2026-03-0") for t in times), times
    assert all(r.readings == r.curated + r.quarantined + r.duplicates for r in index)
    assert any(not r.passed and r.quarantined for r in index)


def test_the_reports_page_lists_contracts_and_links_each_report(client: TestClient) -> None:
    sign_in(client)
    page = client.get("/reports?lang=en")
    assert page.status_code == 200
    assert "Validation reports" in page.text and 'data-contract="process_params"' in page.text
    assert "1970" not in page.text and "failed" in page.text
    assert LINK.findall(page.text)


def test_a_report_is_served_inert_under_the_page_policy(client: TestClient) -> None:
    sign_in(client)
    link = LINK.findall(client.get("/reports").text)[0]
    page = client.get(html.unescape(link))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == PAGE_CSP
    assert "script-src" not in PAGE_CSP and "sandbox" in PAGE_CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert executable_markup(page.text) == [] and "<script" not in page.text.lower()
    assert "_ok_" not in page.text and "1970" not in page.text and "https://" not in page.text


def test_hostile_device_names_appear_escaped_in_some_report(client: TestClient) -> None:
    sign_in(client)
    links = LINK.findall(client.get("/reports").text)
    texts = [client.get(html.unescape(link)).text for link in links]
    assert any(html.escape(HOSTILE, quote=False) in t for t in texts)
    assert not any(HOSTILE in t for t in texts)


def test_the_vendored_stylesheet_is_served(client: TestClient) -> None:
    sign_in(client)
    sheet = client.get("/reports/static/data_docs.css")
    assert sheet.status_code == 200 and ".container-fluid" in sheet.text
    assert sheet.headers["content-type"].startswith("text/css")


def test_keys_outside_the_contracts_reports_are_refused(client: TestClient) -> None:
    sign_in(client)
    for key in (
        "other/v1/x/data_docs.html",
        "process_params/v1/../../secret/data_docs.html",
        "process_params/v1/partition=0/x/validation.json",
        "process_params/v1/partition=0/none/data_docs.html",
    ):
        assert client.get(f"/reports/process_params/page/{key}").status_code == 404, key


def test_without_a_session_reports_send_to_the_login(client: TestClient) -> None:
    for path in ("/reports", "/reports/static/data_docs.css", "/reports/process_params/page/x"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].endswith("/login")
