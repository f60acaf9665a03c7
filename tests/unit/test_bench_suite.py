"""The benchmark suite's runner and combined table, on sample results (nothing timed)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bench import _suite as suite
from bench.producer import JAVA, parse_java_summary

ROOT = Path(__file__).resolve().parents[2]


def rate(median: float, low: float, high: float, cpu_us: float = 10.0) -> dict[str, float]:
    return {
        "readings_per_s": median,
        "min_per_s": low,
        "max_per_s": high,
        "cpu_us_per_reading": cpu_us,
        "readings": 1000,
        "runs": 3,
    }


PRODUCER: dict[str, Any] = {
    "meta": {"settings": {"repeat": "3"}},
    "results": {
        "json / kafka-python (assay)": rate(10_000, 9_000, 11_000, 50.0),
        "json / librdkafka": rate(50_000, 45_000, 55_000, 10.0),
        JAVA: rate(100_000, 90_000, 110_000, 20.0) | {"mb_per_s": 35.0, "steady_per_s": 150_000},
        "frame / kafka-python (assay)": rate(300_000, 200_000, 310_000, 2.0),
        "frame / librdkafka": rate(400_000, 390_000, 410_000, 1.6),
        "spool append+ack, durability=full": rate(60_000, 50_000, 70_000, 9.0),
    },
    "encode_only": {"json": 170_000.0, "frame": 600_000.0},
}
VALIDATION: dict[str, Any] = {
    "repeat": 3,
    "cells": [
        {"rows": 1000, "expectations": 5, "format": "SUMMARY", "seconds": 0.1},
        {
            "rows": 1000,
            "expectations": 5,
            "format": "COMPLETE",
            "seconds": 0.2,
            "seconds_min": 0.1,
            "seconds_max": 0.4,
            "runs": 3,
        },
        {"rows": 1000, "expectations": 52, "format": "validate_table", "seconds": 1.0},
        {
            "rows": 4000,
            "expectations": 52,
            "format": "segments alone",
            "seconds": 2.0,
            "cpu_seconds": 1.6,
            "segments": 4,
        },
        {
            "rows": 4000,
            "expectations": 52,
            "format": "segments grouped",
            "seconds": 1.0,
            "cpu_seconds": 0.8,
            "segments": 4,
        },
    ],
}


def through(median: float, per_cpu: float) -> dict[str, float]:
    return {
        "readings_per_s": median,
        "min_per_s": median / 2,
        "max_per_s": median * 2,
        "readings_per_cpu_s": per_cpu,
        "runs": 3,
    }


PIPELINE: dict[str, Any] = {
    "throughput": {
        "json / assay / 1p": through(10_000, 12_000),
        "json / assay / 2p": through(15_000, 12_000),
        "json / raw / 1p": through(20_000, 24_000),
        "json / raw / 2p": through(30_000, 24_000),
        "json / pyarrow / 1p": through(25_000, 30_000),
        "json / pyarrow / 2p": through(50_000, 30_000),
    },
    "growth": [
        {"kind": "json", "backlog": 5000, "readings": 5000, "seconds": 0.5, "maxrss_mb": 400.0}
    ],
    "freshness": {"loop": {"sent": 300, "rate": 100, "p50_s": 2.0, "p95_s": 3.5}},
}


def by_key(rows: list[suite.Row]) -> dict[tuple[str, str, str], suite.Row]:
    return {(r.suite, r.case, r.figure): r for r in rows}


def test_producer_rows_compare_with_librdkafka_and_java_of_the_same_run() -> None:
    rows = by_key(suite.build_rows({"producer": PRODUCER}))
    python_json = rows[("producer", "json / kafka-python (assay)", "readings/s")]
    assert (python_json.median, python_json.low, python_json.high) == (10_000, 9_000, 11_000)
    assert python_json.ratios == {"librdkafka": pytest.approx(0.2), "Java": pytest.approx(0.1)}
    frames = rows[("producer", "frame / kafka-python (assay)", "readings/s")]
    assert frames.ratios == {"librdkafka": pytest.approx(0.75), "Java": pytest.approx(3.0)}
    java = rows[("producer", JAVA, "readings/s")]
    assert java.ratios == {"librdkafka": pytest.approx(2.0)}  # no ratio with itself
    assert rows[("producer", JAVA, "readings/s after warm-up")].median == 150_000
    # per CPU-second: against librdkafka only (the JVM's start-up is in the Java figure)
    cpu = rows[("producer", "json / kafka-python (assay)", "readings/CPU-s")]
    assert cpu.median == pytest.approx(20_000)
    assert cpu.ratios == {"librdkafka": pytest.approx(0.2)}
    assert rows[("producer", "spool append+ack, durability=full", "readings/s")].ratios == {}
    assert rows[("producer", "json encoding alone", "readings/CPU-s")].median == 170_000


def test_validation_rows_have_rates_spreads_and_complete_against_summary() -> None:
    rows = by_key(suite.build_rows({"validation": VALIDATION}))
    complete = rows[("validation", "GX COMPLETE, 1,000 rows, 5 expectations", "rows/s")]
    assert (complete.median, complete.low, complete.high) == (5_000, 2_500, 10_000)
    assert complete.runs == 3
    assert complete.ratios == {"SUMMARY": pytest.approx(0.5)}
    summary = rows[("validation", "GX SUMMARY, 1,000 rows, 5 expectations", "rows/s")]
    assert (summary.runs, summary.low) == (3, None)  # a result written before spreads were kept
    end_to_end = rows[("validation", "validate_table, 1,000 rows (52 checks)", "rows/s")]
    assert (end_to_end.median, end_to_end.runs) == (1_000, 1)
    grouped = rows[("validation", "4,000 rows in 4 segments, grouped", "rows/CPU-s")]
    assert grouped.median == 5_000 and grouped.ratios == {"alone": pytest.approx(2.0)}
    assert rows[("validation", "4,000 rows in 4 segments, alone", "rows/CPU-s")].ratios == {}


def test_pipeline_rows_compare_with_raw_copy_pyarrow_and_one_process() -> None:
    rows = by_key(suite.build_rows({"pipeline": PIPELINE}))
    two = rows[("pipeline", "json / assay / 2p", "readings/s")]
    assert two.ratios == {
        "raw copy": pytest.approx(0.5),
        "pyarrow": pytest.approx(0.3),
        "1p": pytest.approx(1.5),
    }
    assert rows[("pipeline", "json / raw / 1p", "readings/s")].ratios == {
        "pyarrow": pytest.approx(0.8)
    }
    assert rows[("pipeline", "json / assay / 1p", "readings/CPU-s")].ratios == {
        "raw copy": pytest.approx(0.5),
        "pyarrow": pytest.approx(0.4),
    }
    assert rows[("pipeline", "growth, json backlog 5,000", "readings/s")].median == 10_000
    assert rows[("pipeline", "freshness, 300 readings at 100/s", "latency p95 s")].median == 3.5


def test_one_table_in_the_suites_order() -> None:
    rows = suite.build_rows({"pipeline": PIPELINE, "producer": PRODUCER, "validation": VALIDATION})
    assert [r.suite for r in rows] == sorted(
        (r.suite for r in rows), key=["producer", "validation", "pipeline"].index
    )
    console = Console(record=True, width=200)
    console.print(suite.table(rows, "title"))
    text = console.export_text()
    assert "0.20x librdkafka, 0.10x Java" in text
    assert "9,000–11,000" in text
    assert "0.50x SUMMARY" in text


def test_a_run_builds_suite_json_from_the_results_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run_bench(args: Any, name: str) -> dict[str, Any]:
        result = {"producer": PRODUCER, "validation": VALIDATION}[name]
        (tmp_path / f"{name}.json").write_text(json.dumps(result))
        return {"argv": [], "seconds": 1.0, "error": None}

    monkeypatch.setattr(suite, "run_bench", run_bench)
    assert suite.main(["--results", str(tmp_path), "--only", "producer,validation"]) == 0
    written = json.loads((tmp_path / "suite.json").read_text())
    assert {"cpus", "python", "commit", "load_average_start", "load_average_end"} <= set(
        written["machine"]
    )
    assert set(written["benches"]) == {"producer", "validation"}
    assert len(written["rows"]) == len(suite.build_rows({"producer": PRODUCER})) + 7
    assert written["rows"][0]["ratios"]["librdkafka"] == pytest.approx(0.2)


def test_report_reprints_the_stored_run_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = {
        "when": "2026-12-01T10:00:00+0000",
        "cpus": 2,
        "commit": "abc1234",
        "load_average_start": [1.5, 1.0, 1.0],
        "load_average_end": [2.5, 1.0, 1.0],
    }
    rows = suite.build_rows({"producer": PRODUCER, "validation": VALIDATION})
    stored = {
        "machine": machine,
        "benches": {"producer": {"argv": ["--repeat", "3"], "seconds": 9.0, "error": None}},
        "rows": [asdict(r) for r in rows],
    }
    path = tmp_path / "suite.json"
    path.write_text(json.dumps(stored, indent=1) + "\n")
    before = path.read_bytes()
    (tmp_path / "producer.json").write_text(json.dumps({"results": {}}))  # a later, other run
    assert suite.main(["--report", "--results", str(tmp_path), "--only", "validation"]) == 0
    assert path.read_bytes() == before
    out = capsys.readouterr().out
    assert "2026-12-01T10:00:00+0000" in out and "abc1234" in out
    assert "1.5 at start, 2.5 at end" in out
    assert "0.50x SUMMARY" in out and "librdkafka" not in out  # --only still chooses


def test_report_without_a_stored_run_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert suite.main(["--report", "--results", str(tmp_path)]) == 1
    assert str(tmp_path / "suite.json") in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_small_sizes_come_first_so_the_users_options_win(tmp_path: Path) -> None:
    args = suite.parse_args(["--small", "--producer=--json-readings 5", "--results", str(tmp_path)])
    argv = suite.bench_argv(args, "producer")
    assert argv.index("20000") < argv.index("5")
    assert argv[-2:] == ["--out", str(tmp_path / "producer.json")]
    with pytest.raises(SystemExit):
        suite.parse_args(["--only", "producer,nothing"])


def test_java_summary_is_the_last_total_line() -> None:
    out = "\n".join(
        [
            "[main] INFO org.apache.kafka.clients.producer.KafkaProducer - started",
            "30000 records sent, 29000.1 records/sec (10.15 MB/sec), 40.0 ms avg latency, "
            "500.0 ms max latency.",
            "50000 records sent, 43252.595156 records/sec (15.14 MB/sec), 32.13 ms avg latency, "
            "585.00 ms max latency, 27 ms 50th, 74 ms 95th, 82 ms 99th, 91 ms 99.9th.",
            "40000 steady state records sent, 96385.542169 records/sec (33.73 MB/sec), ...",
        ]
    )
    assert parse_java_summary(out) == (50000, 43252.595156, 15.14, 96385.542169)
    with pytest.raises(RuntimeError, match="no summary line"):
        parse_java_summary("Exception in thread main")


def test_python_m_bench_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--small" in done.stdout and "--only" in done.stdout
