"""The whole benchmark suite in one run: producer, validation and pipeline, each against its
peers, then ONE table of every figure and ``bench/results/suite.json``.

Each benchmark runs as its own module does (``bench.<name>.main``), writes its JSON to the
results folder and its printed output to ``<name>.log`` beside it; the combined table is built
from those JSON files. Every figure is the median of ``--repeat`` runs with the fastest and
slowest (a figure measured once says so in the "runs" column), and every ratio compares two
cases of the same run. Sizes and other options go to one benchmark with ``--producer``,
``--validation`` or ``--pipeline`` (quoted, with ``=``); ``--small`` gives the sizes of
``make bench``. The pipeline benchmark needs the local stack (``assay stack up``), the producer
benchmark its broker and cached Kafka jars.

    uv run python -m bench --small
    uv run python -m bench --only producer --producer="--json-readings 50000"
    uv run python -m bench --report        # the stored run's table again, nothing run
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import shlex
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

RESULTS = Path(__file__).parent / "results"
BENCHES = ("producer", "validation", "pipeline")
SMALL = {
    "producer": "--json-readings 20000 --frame-readings 200000 --spool-readings 20000",
    "validation": "--rows 10000,100000 --expectations 5,20",
    # several segments a partition: throughput, not one segment's start-up (bench/README.md)
    "pipeline": "--json-readings 150000 --frame-readings 500000 --growth-json 50k,200k "
    "--growth-frame 300k,1m --freshness-seconds 15",
}


@dataclass
class Row:
    """One figure of one case: the median of its runs, their range, ratios to peers."""

    suite: str
    case: str
    figure: str
    median: float
    low: float | None = None
    high: float | None = None
    runs: int = 1
    ratios: dict[str, float] = field(default_factory=dict)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--only", default=",".join(BENCHES), help="comma-separated, of: " + ", ".join(BENCHES))
    add("--small", action="store_true", help="the sizes of `make bench` (--repeat still applies)")
    add("--repeat", type=int, default=3, help="runs per case in every benchmark (median counts)")
    for name in BENCHES:
        add(f"--{name}", default="", metavar="ARGS", help=f"more options for bench.{name}")
    add("--results", type=Path, default=RESULTS, help="where the JSON and logs go")
    add("--verbose", action="store_true", help="show each benchmark's output as it runs")
    add("--report", action="store_true", help="run nothing; the stored run's table again")
    args = parser.parse_args(argv)
    args.only = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = sorted(set(args.only) - set(BENCHES))
    if unknown:
        parser.error(f"--only: unknown benchmark(s) {', '.join(unknown)}")
    return args


def bench_argv(args: argparse.Namespace, name: str) -> list[str]:
    """What one benchmark is called with: the small sizes, the repeat, the user's options (which
    win, being last), the output file."""
    argv = shlex.split(SMALL[name]) if args.small else []
    argv += ["--repeat", str(args.repeat), *shlex.split(getattr(args, name))]
    return [*argv, "--out", str(args.results / f"{name}.json")]


class _Tee:
    """Writes to a log file and, optionally, to the terminal too."""

    def __init__(self, log: TextIO, echo: TextIO | None) -> None:
        self.log, self.echo = log, echo

    def write(self, text: str) -> int:
        self.log.write(text)
        if self.echo:
            self.echo.write(text)
        return len(text)

    def flush(self) -> None:
        self.log.flush()
        if self.echo:
            self.echo.flush()

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _logged(path: Path, verbose: bool) -> Iterator[None]:
    with path.open("w", encoding="utf-8") as log:
        tee = _Tee(log, sys.stdout if verbose else None)
        with contextlib.redirect_stdout(tee):
            yield


def run_bench(args: argparse.Namespace, name: str) -> dict[str, Any]:
    """One benchmark through its ``main``; its output to ``<name>.log``. A failure is reported
    and recorded, and the suite goes on with the next benchmark."""
    argv = bench_argv(args, name)
    log = args.results / f"{name}.log"
    print(f"bench.{name} {shlex.join(argv)}  (output: {log})", flush=True)
    start = time.perf_counter()
    error = None
    try:
        with _logged(log, args.verbose):
            importlib.import_module(f"bench.{name}").main(argv)
    except (Exception, SystemExit) as exc:  # one failed benchmark is a finding
        error = f"{type(exc).__name__}: {exc}"
        with log.open("a", encoding="utf-8") as out:
            traceback.print_exc(file=out)
        tail = log.read_text(encoding="utf-8").splitlines()[-15:]
        print("\n".join(["  " + line for line in tail]), file=sys.stderr)
    seconds = time.perf_counter() - start
    print(f"  {'failed: ' + error if error else 'done'} in {seconds:.0f} s", flush=True)
    return {"argv": argv, "seconds": round(seconds, 1), "error": error}


# Rows from each benchmark's JSON -------------------------------------------------------
def producer_rows(result: dict[str, Any]) -> list[Row]:
    """readings/s with its spread and readings per CPU-second, against librdkafka (same
    payload) and the Java tool (JSON-sized records); encoding alone."""
    from bench.producer import peers, ratios

    results = result["results"]
    default_runs = int(result.get("meta", {}).get("settings", {}).get("repeat", 1))
    per_cpu = {n: {"readings_per_s": 1e6 / r["cpu_us_per_reading"]} for n, r in results.items()}
    rows = []
    for name, r in results.items():
        runs = int(r.get("runs", default_runs))
        others = {peer for peer, case in peers(name).items() if case == name}
        rate = Row("producer", name, "readings/s", r["readings_per_s"], runs=runs)
        rate.low, rate.high = r["min_per_s"], r["max_per_s"]
        rate.ratios = {p: v for p, v in ratios(results, name).items() if p not in others}
        # The JVM's CPU includes its start-up and JIT: compared with librdkafka only.
        cpu = Row("producer", name, "readings/CPU-s", per_cpu[name]["readings_per_s"], runs=runs)
        cpu.ratios = {
            p: v for p, v in ratios(per_cpu, name).items() if p not in others and p != "Java"
        }
        rows += [rate, cpu]
        if "steady_per_s" in r:
            rows.append(Row("producer", name, "readings/s after warm-up", r["steady_per_s"]))
            rows[-1].runs = runs
    for kind, per_s in result.get("encode_only", {}).items():
        rows.append(Row("producer", f"{kind} encoding alone", "readings/CPU-s", per_s))
    return rows


def validation_rows(result: dict[str, Any]) -> list[Row]:
    """rows/s of the GX call and of ``validate_table``; COMPLETE against SUMMARY, segments
    validated together against the same segments one by one (CPU seconds)."""
    cells = result["cells"]
    summary = {(c["rows"], c["expectations"]): c for c in cells if c["format"] == "SUMMARY"}
    alone = {(c["rows"], c["segments"]): c for c in cells if c["format"] == "segments alone"}
    rows = []
    for c in cells:
        row = Row("validation", _validation_case(c), "rows/s", c["rows"] / c["seconds"])
        row.runs = int(
            c.get("runs", 1 if c["format"] == "validate_table" else result.get("repeat", 1))
        )
        if "seconds_min" in c:
            row.low, row.high = c["rows"] / c["seconds_max"], c["rows"] / c["seconds_min"]
        peer = summary.get((c["rows"], c["expectations"]))
        if c["format"] == "COMPLETE" and peer:
            row.ratios["SUMMARY"] = peer["seconds"] / c["seconds"]
        rows.append(row)
        if "cpu_seconds" in c:
            rows.append(Row("validation", row.case, "rows/CPU-s", c["rows"] / c["cpu_seconds"]))
            one_by_one = alone.get((c["rows"], c.get("segments")))
            if c["format"] == "segments grouped" and one_by_one:
                rows[-1].ratios["alone"] = one_by_one["cpu_seconds"] / c["cpu_seconds"]
    return rows


def _validation_case(c: dict[str, Any]) -> str:
    if c["format"] == "validate_table":
        return f"validate_table, {c['rows']:,} rows ({c['expectations']} checks)"
    if "segments" in c:
        return f"{c['rows']:,} rows in {c['segments']} segments, {c['format'].split()[1]}"
    return f"GX {c['format']}, {c['rows']:,} rows, {c['expectations']} expectations"


def pipeline_rows(result: dict[str, Any]) -> list[Row]:
    """Throughput (wall and CPU) against the raw copy and pyarrow alone, 2 processes against
    1; growth; freshness in process and through Airflow."""
    rows, cpu_key = [], "readings_per_cpu_s"
    throughput = result.get("throughput", {})
    for name, r in throughput.items():
        kind, case, parts = name.split(" / ")
        for figure, key in (("readings/s", "readings_per_s"), ("readings/CPU-s", cpu_key)):
            value = r[key]
            row = Row("pipeline", name, figure, value, runs=int(r.get("runs", 1)))
            if key == "readings_per_s":
                row.low, row.high = r["min_per_s"], r["max_per_s"]
            for label, other_case in (("raw copy", "raw"), ("pyarrow", "pyarrow")):
                other = throughput.get(f"{kind} / {other_case} / {parts}", {}).get(key)
                if other_case != case and other:
                    row.ratios[label] = value / other
            one = throughput.get(f"{kind} / {case} / 1p", {}).get(key)
            if parts == "2p" and one:
                row.ratios["1p"] = value / one
            rows.append(row)
    for g in result.get("growth", []):
        case = f"growth, {g['kind']} backlog {g['backlog']:,}"
        rows.append(Row("pipeline", case, "readings/s", g["readings"] / g["seconds"]))
        rows.append(Row("pipeline", case, "peak RSS MB (task)", g["maxrss_mb"]))
    loop = result.get("freshness", {}).get("loop")
    if loop:
        case = f"freshness, {loop['sent']:,} readings at {loop['rate']}/s"
        rows.append(Row("pipeline", case, "latency p50 s", loop["p50_s"]))
        rows.append(Row("pipeline", case, "latency p95 s", loop["p95_s"]))
    for mode, r in result.get("airflow_freshness", {}).get("modes", {}).items():
        period = f" every {r['interval_s']:.0f} s" if "interval_s" in r else ""
        case = f"freshness through Airflow, {mode}{period}, {r['acknowledged']:,} at {r['rate']}/s"
        for q in ("p50", "p95", "p99"):
            rows.append(Row("pipeline", case, f"latency {q} s", r[f"{q}_s"]))
        rows.append(Row("pipeline", case, "unseen readings", r["unseen"]))
    return rows


ROWS = {"producer": producer_rows, "validation": validation_rows, "pipeline": pipeline_rows}


def build_rows(results: dict[str, dict[str, Any]]) -> list[Row]:
    """Every benchmark's figures as rows, in the suite's order."""
    return [row for name in BENCHES if name in results for row in ROWS[name](results[name])]


# The table ----------------------------------------------------------------------------
def number(value: float | None) -> str:
    """Three significant figures or more, thousands separated."""
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def cells(row: Row) -> list[str]:
    """A row as the table prints it."""
    spread = (
        f"{number(row.low)}–{number(row.high)}"
        if row.low is not None and row.high is not None and row.runs > 1
        else "–"
    )
    vs = ", ".join(f"{ratio:.2f}x {peer}" for peer, ratio in row.ratios.items()) or "–"
    return [row.suite, row.case, row.figure, number(row.median), spread, str(row.runs), vs]


def table(rows: list[Row], title: str = "") -> Any:
    """The one combined table."""
    from rich.table import Table

    out = Table(
        "suite", "case", "figure", "median", "spread", "runs", "vs peer (same run)", title=title
    )
    for name in ("median", "spread", "runs"):
        out.columns[[c.header for c in out.columns].index(name)].justify = "right"
    for row in rows:
        out.add_row(*cells(row))
    return out


# Where it ran --------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """CPUs, versions of what is measured, the commit (``+dirty`` with local changes)."""
    from importlib.metadata import PackageNotFoundError, version

    info: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    for package in (
        "pyarrow",
        "kafka-python",
        "confluent-kafka",
        "great-expectations",
        "pandas",
    ):
        try:
            info[package] = version(package)
        except PackageNotFoundError:
            info[package] = None
    info["kafka"] = _kafka_version()
    info["java"] = _first_line(["java", "-version"])
    info["commit"] = _commit()
    return info


def _first_line(cmd: list[str]) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0] if lines else None


def _commit() -> str | None:
    root = Path(__file__).resolve().parents[1]
    head = _first_line(["git", "-C", str(root), "rev-parse", "--short", "HEAD"])
    if head is None or "fatal" in head:
        return None
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return head + ("+dirty" if dirty else "")


def _kafka_version() -> str | None:
    try:
        from assay.devstack.stack.kafka import pom_versions

        return pom_versions().get("kafka.version")
    except Exception:  # informational only
        return None


# The run -------------------------------------------------------------------------------
def title_of(info: dict[str, Any]) -> str:
    """The table's title: when and where the run was, and how busy the machine was."""
    load = (info["load_average_start"][0], info["load_average_end"][0])
    return (
        f"assay benchmarks, {info['when']}, commit {info['commit']}, {info['cpus']} CPUs, "
        f"1-min load {load[0]:.1f} at start, {load[1]:.1f} at end"
    )


def print_table(rows: list[Row], info: dict[str, Any]) -> None:
    """The one table, wide enough for its ratios."""
    from rich.console import Console

    Console(width=max(160, Console().width)).print(table(rows, title_of(info)))


def report(args: argparse.Namespace) -> int:
    """The stored run's table again: ``suite.json`` is read, never written, so its machine
    block still says when and under what load the figures were measured."""
    path = args.results / "suite.json"
    if not path.exists():
        print(f"no stored run: {path} does not exist (run the suite first)", file=sys.stderr)
        return 1
    suite = json.loads(path.read_text(encoding="utf-8"))
    rows = [Row(**row) for row in suite["rows"] if row["suite"] in args.only]
    print_table(rows, suite["machine"])
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks, print the combined table, write ``suite.json``."""
    args = parse_args(argv)
    if args.report:
        return report(args)
    args.results.mkdir(parents=True, exist_ok=True)
    info = machine() | {"load_average_start": os.getloadavg()}
    runs = {name: run_bench(args, name) for name in BENCHES if name in args.only}
    info["load_average_end"] = os.getloadavg()
    results = {}
    for name in args.only:
        path = args.results / f"{name}.json"
        if runs[name]["error"] is None and path.exists():
            results[name] = json.loads(path.read_text(encoding="utf-8"))
    rows = build_rows(results)
    print_table(rows, info)
    out = args.results / "suite.json"
    suite = {"machine": info, "benches": runs, "rows": [asdict(r) for r in rows]}
    out.write_text(json.dumps(suite, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    failed = [n for n, r in runs.items() if r["error"]]
    if failed:
        print(f"failed: {', '.join(failed)} (see their logs in {args.results})", file=sys.stderr)
    return 1 if failed else 0
