"""The pipeline benchmark still runs end to end on the real stack, at a toy size (no timings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.config import Settings
from assay.store.objects import s3_client
from bench import _pipeline_data as data
from bench import pipeline

pytestmark = pytest.mark.integration


def test_pipeline_benchmark_runs_and_cleans_up(
    stack_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "pipeline.json"
    client = s3_client(stack_settings)
    # Only this run's buckets count: another run of the benchmark may share the stack.
    made: set[str] = set()
    bucket_set = data.Scratch.bucket_set

    def recorded(scratch: data.Scratch) -> dict[str, str]:
        buckets = bucket_set(scratch)
        made.update(buckets.values())
        return buckets

    monkeypatch.setattr(data.Scratch, "bucket_set", recorded)
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
    assert made
    assert not made & {b.name for b in client.list_buckets()}


def test_suite_runs_the_producer_benchmark_with_the_java_ceiling(
    stack_settings: Settings, tmp_path: Path
) -> None:
    from bench import _suite as suite
    from bench.producer import JAVA

    sizes = "--json-readings 300 --frame-readings 2000 --frame-size 500 --spool-readings 300"
    argv = ["--only", "producer", "--repeat", "2", f"--producer={sizes}"]
    assert suite.main([*argv, "--results", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "producer.json").read_text())
    assert result["results"][JAVA]["readings"] == 300
    assert result["results"][JAVA]["runs"] == 2
    assert result["results"][JAVA]["record_size"] > 100
    rows = json.loads((tmp_path / "suite.json").read_text())["rows"]
    python_json = next(r for r in rows if r["case"] == "json / kafka-python (assay)")
    assert set(python_json["ratios"]) == {"librdkafka", "Java"}
