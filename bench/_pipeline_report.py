"""The pipeline benchmark's printed tables: throughput with ratios, phase shares, growth,
freshness."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

# Phases as the pipeline's stages; "validate" is everything validate_table does.
STAGES = {
    "kafka read": ("kafka read", "kafka offsets+commit"),
    "decode": ("decode",),
    "validate: GX": ("validate: GX run_suite",),
    "validate: rest": ("validate: conform, derive, split, scores, docs", "dedup"),
    "parquet write+read": ("parquet write", "parquet read"),
    "s3 put+get+list": ("s3 put", "s3 get", "s3 head+list"),
    "other": ("other",),
}


def report(result: dict[str, Any]) -> None:
    """Print every table the result has."""
    console = Console(width=140)
    if "throughput" in result:
        console.print(throughput_table(result["throughput"]))
        console.print(phase_table(result["throughput"]))
    if "growth" in result:
        console.print(growth_table(result["growth"]))
    if "freshness" in result:
        fresh = result["freshness"]
        loop = fresh["loop"]
        console.print(
            f"freshness ({loop['sent']} readings at {loop['rate']}/s, loop sleeps "
            f"{loop['interval_s']} s): p50 {loop['p50_s']:.2f} s, p95 {loop['p95_s']:.2f} s, "
            f"max {loop['max_s']:.2f} s over {loop['readings']} readings in "
            f"{loop['segments']} segments; loop turn median {loop['turn_seconds_median']:.2f} s"
        )
        console.print(f"airflow (recorded mapped tasks): {fresh['airflow']}")
    load = (result["machine_before"]["load_average"], result["machine_after"]["load_average"])
    console.print(f"load average before {load[0]}, after {load[1]}")


def throughput_table(results: dict[str, Any]) -> Table:
    """One row per case with its ratios against the raw copy and pyarrow of the same kind."""
    table = Table(
        "case",
        "readings/s (median)",
        "spread",
        "readings/CPU-s",
        "vs raw copy",
        "vs pyarrow",
        "2p/1p",
        "peak RSS MB",
        title="Throughput (readings per second of wall time, all tasks together)",
    )
    for name, r in results.items():
        kind, case, parts = name.split(" / ")
        rate = r["readings_per_s"]
        raw = results.get(f"{kind} / raw / {parts}", {}).get("readings_per_s")
        arrow = results.get(f"{kind} / pyarrow / {parts}", {}).get("readings_per_s")
        one = results.get(f"{kind} / {case} / 1p", {}).get("readings_per_s")
        table.add_row(
            name,
            f"{rate:,.0f}",
            f"{r['min_per_s']:,.0f}–{r['max_per_s']:,.0f}",
            f"{r['readings_per_cpu_s']:,.0f}",
            f"{rate / raw:.2f}x" if raw else "-",
            f"{rate / arrow:.2f}x" if arrow else "-",
            f"{rate / one:.2f}x" if one and parts == "2p" else "-",
            f"{r['maxrss_mb']:.0f}",
        )
    return table


def shares(phases: dict[str, float]) -> dict[str, float]:
    """Each stage's share of the summed phase time."""
    total = sum(phases.values()) or 1.0
    return {
        stage: sum(phases.get(p, 0.0) for p in parts) / total for stage, parts in STAGES.items()
    }


def phase_table(results: dict[str, Any]) -> Table:
    """Share of time per stage for every one-partition case (the median run)."""
    names = [n for n in results if n.endswith("/ 1p")]
    table = Table("stage", *names, title="Where the time goes (share of task time, 1 partition)")
    split = {n: shares(results[n]["phases"]) for n in names}
    for stage in STAGES:
        table.add_row(stage, *(f"{split[n][stage]:.0%}" for n in names))
    return table


def growth_table(rows: list[dict[str, Any]]) -> Table:
    """Time and peak memory against the backlog, one assay task each."""
    table = Table(
        "kind",
        "backlog",
        "segments",
        "seconds",
        "readings/s",
        "µs/reading",
        "CPU µs/reading",
        "peak RSS ingest MB",
        "peak RSS task MB",
        title="Cost growth and peak memory per task (ingest + validate, one process)",
    )
    for r in rows:
        table.add_row(
            r["kind"],
            f"{r['backlog']:,}",
            str(r["segments"]),
            f"{r['seconds']:.1f}",
            f"{r['readings'] / r['seconds']:,.0f}",
            f"{r['seconds'] / r['readings'] * 1e6:.1f}",
            f"{r['cpu_seconds'] / r['readings'] * 1e6:.1f}",
            f"{r['maxrss_ingest_mb']:.0f}",
            f"{r['maxrss_mb']:.0f}",
        )
    return table
