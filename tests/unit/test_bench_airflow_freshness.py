"""Freshness through Airflow: latency matching, percentiles, run summaries and the suite's rows,
on hand-made samples (nothing timed, no stack)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import _suite as suite
from bench._airflow_freshness import match, percentiles, run_summary, task_summary

ROOT = Path(__file__).resolve().parents[2]


def test_match_pairs_seqs_and_reports_the_unseen() -> None:
    sent = {0: 100.0, 1: 100.5, 2: 101.0, 3: 101.5}
    seen = {0: 130.0, 2: 131.0, 1: 140.5, 99: 150.0}  # 99 is not this run's: ignored
    latencies, unseen = match(sent, seen)
    assert latencies == [30.0, 40.0, 30.0]  # seq order: 0, 1, 2
    assert unseen == [3]
    assert match({}, seen) == ([], [])


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unordered
    assert percentiles(values) == {"p50_s": 50.0, "p95_s": 95.0, "p99_s": 99.0, "max_s": 100.0}
    assert percentiles([7.0]) == {"p50_s": 7.0, "p95_s": 7.0, "p99_s": 7.0, "max_s": 7.0}
    three = percentiles([3.0, 1.0, 2.0])
    assert (three["p50_s"], three["p95_s"], three["p99_s"]) == (2.0, 3.0, 3.0)
    assert percentiles([]) == {"p50_s": None, "p95_s": None, "p99_s": None, "max_s": None}


def run(kind: str, after: str, queued: str, start: str | None, end: str | None) -> dict[str, Any]:
    state = "success" if end else "running"
    day = "2026-11-27T{}Z".format
    return {
        "run_type": kind,
        "state": state,
        "run_after": day(after),
        "queued_at": day(queued),
        "start_date": start and day(start),
        "end_date": end and day(end),
    }


def test_run_summary_counts_types_and_takes_medians_of_finished_gaps() -> None:
    runs = [
        run("asset_triggered", "06:00:00", "06:00:10", "06:00:12", "06:00:42"),
        run("manual", "06:01:00", "06:01:00", "06:01:04", "06:01:24"),
        run("asset_triggered", "06:01:50", "06:02:00", None, None),
    ]
    summary = run_summary(runs)
    assert summary["runs"] == 3
    assert summary["by_type"] == {"asset_triggered": 2, "manual": 1}
    assert summary["by_state"] == {"success": 2, "running": 1}
    assert summary["after_to_queued_s_median"] == pytest.approx(10.0)
    assert summary["queued_to_start_s_median"] == pytest.approx(3.0)
    assert summary["start_to_end_s_median"] == pytest.approx(25.0)
    assert summary["start_to_end_s_max"] == pytest.approx(30.0)


def test_task_summary_by_task_id() -> None:
    tasks: list[dict[str, Any]] = [
        {
            "task_id": "ingest",
            "state": "success",
            "queued_when": "2026-11-27T06:00:00Z",
            "start_date": "2026-11-27T06:00:05Z",
            "duration": 9.0,
        },
        {
            "task_id": "ingest",
            "state": "skipped",
            "queued_when": "2026-11-27T06:00:00Z",
            "start_date": "2026-11-27T06:00:15Z",
            "duration": 7.0,
        },
        {
            "task_id": "partitions",
            "state": "success",
            "queued_when": None,
            "start_date": "2026-11-27T06:00:01Z",
            "duration": None,
        },
    ]
    summary = task_summary(tasks)
    assert summary["ingest"]["instances"] == 2
    assert summary["ingest"]["queued_to_start_s_median"] == pytest.approx(10.0)
    assert summary["ingest"]["duration_s_median"] == pytest.approx(8.0)
    assert summary["partitions"]["duration_s_median"] is None


def mode(p50: float, unseen: int, interval: float | None = None) -> dict[str, Any]:
    out = {"acknowledged": 6000, "rate": 20, "p50_s": p50, "p95_s": p50 * 2, "p99_s": p50 * 3}
    return out | {"unseen": unseen} | ({"interval_s": interval} if interval else {})


def test_suite_rows_for_freshness_through_airflow() -> None:
    result = {
        "airflow_freshness": {
            "modes": {"event-driven": mode(20.0, 0), "interval": mode(50.0, 2, 60.0)}
        }
    }
    rows = {(r.case, r.figure): r for r in suite.build_rows({"pipeline": result})}
    event = "freshness through Airflow, event-driven, 6,000 at 20/s"
    interval = "freshness through Airflow, interval every 60 s, 6,000 at 20/s"
    assert rows[(event, "latency p95 s")].median == 40.0
    assert rows[(interval, "latency p99 s")].median == 150.0
    assert rows[(interval, "unseen readings")].median == 2
    assert rows[(event, "latency p50 s")].runs == 1


def test_pipeline_help_lists_the_airflow_section() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.pipeline", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for option in ("airflow", "--airflow-seconds", "--airflow-rate", "--interval-seconds"):
        assert option in done.stdout
