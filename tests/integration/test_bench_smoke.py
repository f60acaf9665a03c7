"""The pipeline benchmark still runs end to end on the real stack, at a toy size (no timings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.config import Settings
from assay.store import s3_client
from bench import pipeline

pytestmark = pytest.mark.integration


def test_pipeline_benchmark_runs_and_cleans_up(stack_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "pipeline.json"
    client = s3_client(stack_settings)
    before = {b.name for b in client.list_buckets() if b.name.startswith("bp-")}
    pipeline.main(
        [
            *("--json-readings", "300", "--frame-readings", "2000", "--frame-size", "500"),
            *("--repeat", "1", "--growth-json", "300", "--growth-frame", "1000"),
            *("--freshness-seconds", "3", "--trickle-rate", "50", "--out", str(out)),
        ]
    )
    result = json.loads(out.read_text())
    for kind, per_partition in (("json", 300), ("frame", 2000)):
        for case in ("assay", "raw", "pyarrow"):
            assert result["throughput"][f"{kind} / {case} / 1p"]["readings"] == per_partition
            assert result["throughput"][f"{kind} / {case} / 2p"]["readings"] == 2 * per_partition
        assert result["throughput"][f"{kind} / assay / 2p"]["curated"] == 2 * per_partition
    assert [(g["kind"], g["readings"]) for g in result["growth"]] == [
        ("json", 300),
        ("frame", 1000),
    ]
    assert result["freshness"]["loop"]["readings"] == result["freshness"]["loop"]["sent"]
    assert {b.name for b in client.list_buckets() if b.name.startswith("bp-")} <= before
