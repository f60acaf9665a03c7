"""Validation reports on a real S3 server: the real pipeline lands and validates segments,
the console (reading as the steward) lists each one in its contract's index with the run's
own time and serves its page under the page policy."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from assay.config import PIPELINE, RELEASER, ROOT, Settings, load_settings
from assay.console import add_user, standalone_app, steward_backend
from assay.console._reports import PAGE_CSP, report_index
from assay.govern.releases import LockedS3Store
from assay.store.buckets import Buckets
from assay.store.objects import S3Store
from tests.unit.console._world import HOSTILE, PASSWORD, fill, sign_in


@pytest.fixture(scope="module")
def settings(private_gateway: Callable[[dict[str, list[str]]], Settings]) -> Settings:
    """A gateway of this module holding what the real pipeline landed and validated."""
    kafka = {k: v for k, v in load_settings() if k.startswith("kafka_")}
    current = private_gateway({}).model_copy(update=kafka)
    pipeline = current.as_role(PIPELINE)
    fill(
        S3Store(pipeline), Buckets.from_settings(pipeline), LockedS3Store(current.as_role(RELEASER))
    )
    add_user(current.state_dir, "stella", "steward", PASSWORD)
    return current


def test_each_validated_segment_is_listed_with_its_run_time(settings: Settings) -> None:
    backend = steward_backend(settings.as_role(ROOT))
    index = report_index(backend.store, backend.buckets.reports, "process_params")
    validated = [
        k for k in backend.store.keys(backend.buckets.reports, "process_params/")
        if k.endswith("/summary.json")
    ]  # fmt: skip
    assert index and len(index) == len(validated)
    assert all(r.run_time.startswith("2026-03-0") for r in index), index
    assert [r.run_time for r in index] == sorted((r.run_time for r in index), reverse=True)


def test_the_console_lists_and_serves_the_reports(settings: Settings) -> None:
    with TestClient(standalone_app(settings), base_url="http://console.test") as web:
        sign_in(web)
        listing = web.get("/reports?lang=en")
        assert listing.status_code == 200 and "1970" not in listing.text
        links = re.findall(r'class="report-link" href="([^"]+)"', listing.text)
        assert links
        pages = [web.get(html.unescape(link)) for link in links]
    assert all(p.status_code == 200 for p in pages)
    assert all(p.headers["content-security-policy"] == PAGE_CSP for p in pages)
    assert not any(HOSTILE in p.text or "https://" in p.text for p in pages)
    assert any(html.escape(HOSTILE, quote=False) in p.text for p in pages)
