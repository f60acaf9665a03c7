"""Pipeline throughput, memory, cost growth and freshness on the local stack, with peers.

Every case reads a backlog produced to a fresh topic on the stack's broker, through assay's
own `KafkaPartition`, in the landing's bounded segments, and writes to fresh buckets on the
stack's S3 server — each task in its own process (imports and the Great Expectations warm-up
happen before the clock starts; all tasks of a case start together):

* ``assay``   ingest + validate: `land_partition`, then `validate_segment` per segment;
* ``raw``     raw-copy baseline: the same read into Parquet with the value as a binary column;
* ``pyarrow`` pyarrow alone: values joined and read by ``pyarrow.json`` (frames by
  ``pyarrow.ipc``) against the contract's schema, written as Parquet; nothing else.

Sections (``--sections``):

* ``throughput``: readings/s for JSON per reading and Arrow frames, one partition in one
  process and two partitions in two processes; median of ``--repeat`` runs with the spread,
  ratios against the peers of the same run, CPU per reading, the share of each phase;
* ``growth``: one ``assay`` task per backlog size: time, readings/s and peak RSS
  (``getrusage`` in the task's process) — bounded segments must keep memory flat;
* ``freshness``: send -> curated-visible latency for a steady trickle with a 1 s loop,
  plus what Airflow's database recorded about its mapped tasks' fixed cost;
* ``airflow``: send -> curated-visible latency through the stack's running Airflow: a trickle
  to the contract's real topic landed and validated by its DAGs, event-driven (the Kafka
  watcher) and on an interval schedule played by this benchmark's clock
  (``bench/_airflow_freshness.py``). Not in the default sections: it takes
  2 x (``--airflow-seconds`` + drain) — about 15 minutes at the defaults — and pauses and
  unpauses the stack's DAGs for the contract (their state is restored at the end). Its
  readings stay in the stack's topic and buckets, under producer ids ``bench-fresh-*``.

Prints tables and writes JSON to ``bench/results/pipeline.json``. Everything the other
sections create (topics, consumer groups, buckets) has a unique name and is deleted at the end.

    uv run python -m bench.pipeline --help
    uv run --with pyinstrument python -m bench.pipeline --profile bench/results/profiles
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from assay.config import ROOT, Settings, load_settings
from bench import _pipeline_data as data
from bench._pipeline_report import report
from schemas import Contract, load_contract

RESULTS = Path(__file__).parent / "results"
CASES = ("assay", "raw", "pyarrow")
KINDS = {"json": None, "frame": "frame_size"}


def _ints(text: str) -> list[int]:
    def one(part: str) -> int:
        part = part.strip().lower().replace("_", "")
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        return int(float(part.rstrip("km")) * scale)

    return [one(p) for p in text.split(",") if p.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.pipeline",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--contract", default="energy_meter")
    add(
        "--sections",
        default="throughput,growth,freshness",
        help="comma-separated, of: throughput, growth, freshness, airflow "
        "(airflow is not in the default: ~15 min, and it drives the stack's DAGs)",
    )
    add("--json-readings", type=int, default=200_000, help="JSON readings per partition")
    add("--frame-readings", type=int, default=1_000_000, help="frame readings per partition")
    add("--frame-size", type=int, default=10_000, help="readings per Arrow frame")
    add("--repeat", type=int, default=3, help="runs per throughput case; the median counts")
    add("--growth-json", type=_ints, default=_ints("50k,200k,1m"), help="JSON backlog sizes")
    add("--growth-frame", type=_ints, default=_ints("200k,1m,3m"), help="frame backlog sizes")
    add("--freshness-seconds", type=float, default=60.0, help="how long the trickle runs")
    add("--trickle-rate", type=int, default=100, help="readings per second in the trickle")
    add("--interval", type=float, default=1.0, help="sleep between loop turns (freshness)")
    add("--airflow-seconds", type=float, default=300.0, help="trickle per mode (airflow)")
    add("--airflow-rate", type=int, default=20, help="readings per second (airflow)")
    add(
        "--interval-seconds",
        type=float,
        default=60.0,
        help="period of the played interval schedule (airflow)",
    )
    add(
        "--airflow-drain",
        type=float,
        default=240.0,
        help="longest wait for unseen readings after the trickle (airflow; +interval there)",
    )
    add("--airflow-modes", default="event-driven,interval", help="comma-separated (airflow)")
    add("--profile", type=Path, help="folder for pyinstrument profiles of one assay run per kind")
    add("--out", type=Path, default=RESULTS / "pipeline.json")
    return parser.parse_args(argv)


# Tasks in processes --------------------------------------------------------------------
def run_tasks(
    scratch: data.Scratch,
    case: str,
    topic: str,
    partitions: int,
    profile: Path | None = None,
) -> dict[str, Any]:
    """One case on ``partitions`` partitions, one process each, started together."""
    buckets, group = scratch.bucket_set(), scratch.group(case)
    argv = ["--case", case, "--topic", topic, "--group", group, "--buckets", json.dumps(buckets)]
    procs = []
    extra = ["--wait", *(["--profile", str(profile)] if profile else [])]
    for p in range(partitions):
        procs.append(_spawn("bench._pipeline_task", [*argv, "--partition", str(p), *extra]))
    outs = _together(procs)
    scratch.drop_buckets(buckets)
    return combine(outs) | {"load_1m": os.getloadavg()[0]}


def _spawn(module: str, argv: list[str]) -> subprocess.Popen:
    """Start a process that prints ``ready`` once prepared and then waits for a stdin line."""
    cmd = [sys.executable, "-m", module, *argv]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if line.strip() != "ready":
        proc.kill()
        raise RuntimeError(f"{' '.join(cmd)} did not get ready: {line!r}")
    return proc


def _together(procs: list[subprocess.Popen]) -> list[dict[str, Any]]:
    """Release every waiting process at once, then collect each one's JSON line."""
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outs = []
    for proc in procs:
        stdout, _ = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"task failed ({proc.returncode}); see its stderr above")
        outs.append(json.loads(stdout.strip().splitlines()[-1]))
    return outs


def combine(outs: list[dict[str, Any]]) -> dict[str, Any]:
    """Tasks started together: wall time from the first start to the last end."""
    wall = max(o["started"] + o["seconds"] for o in outs) - min(o["started"] for o in outs)
    phases: dict[str, dict[str, float]] = {"phases": {}, "cpu_phases": {}}
    for o in outs:
        for key, summed_phases in phases.items():
            for name, seconds in o.get(key, {}).items():
                summed_phases[name] = summed_phases.get(name, 0.0) + seconds
    summed = ("readings", "records", "segments", "curated", "quarantined", "dead_readings")
    out = {k: sum(o.get(k, 0) for o in outs) for k in summed}
    return out | {
        "seconds": wall,
        "cpu_seconds": sum(o["cpu_seconds"] for o in outs),
        **phases,
        "maxrss_mb": max(o["maxrss_mb"] for o in outs),
        "maxrss_ingest_mb": max(o.get("maxrss_ingest_mb", 0.0) for o in outs),
        "warnings": sum(o.get("warnings", 0) for o in outs),
    }


# Sections ------------------------------------------------------------------------------
def throughput(
    args: argparse.Namespace, settings: Settings, contract: Contract, base: list
) -> dict[str, Any]:
    """Every case for both payload kinds, 1 and 2 partitions, ``--repeat`` times, interleaved."""
    results: dict[str, Any] = {}
    for kind in KINDS:
        scratch = data.Scratch(settings)
        try:
            topic = scratch.topic(kind, 2)
            per_partition = args.json_readings if kind == "json" else args.frame_readings
            frame = args.frame_size if kind == "frame" else None
            backlog = data.fill(settings, contract, topic, [0, 1], per_partition, frame, base)
            print(f"{kind}: produced {backlog}", flush=True)
            runs: dict[str, list[dict[str, Any]]] = {}
            for rep in range(args.repeat):
                for case in CASES:
                    for partitions in (1, 2):
                        name = f"{kind} / {case} / {partitions}p"
                        run = run_tasks(scratch, case, topic, partitions)
                        runs.setdefault(name, []).append(run)
                        rate = run["readings"] / run["seconds"]
                        print(f"  [{rep + 1}/{args.repeat}] {name}: {rate:,.0f} readings/s")
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
                run_tasks(scratch, "assay", topic, 1, args.profile / f"assay-{kind}.txt")
            results |= {name: summarise(r) for name, r in runs.items()}
        finally:
            scratch.clean()
    return results


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median rate with its spread; phases and counts of the median run."""
    rates = [r["readings"] / r["seconds"] for r in runs]
    median_run = sorted(runs, key=lambda r: r["readings"] / r["seconds"])[len(runs) // 2]
    return {
        "readings_per_s": statistics.median(rates),
        "min_per_s": min(rates),
        "max_per_s": max(rates),
        "readings_per_cpu_s": statistics.median(r["readings"] / r["cpu_seconds"] for r in runs),
        "runs": len(runs),
        **{k: v for k, v in median_run.items() if k != "readings_per_s"},
    }


def growth(
    args: argparse.Namespace, settings: Settings, contract: Contract, base: list
) -> list[dict[str, Any]]:
    """One assay task per backlog size and kind: time, rate, peak RSS."""
    rows = []
    for kind, sizes in (("json", args.growth_json), ("frame", args.growth_frame)):
        for size in sizes:
            scratch = data.Scratch(settings)
            try:
                topic = scratch.topic(f"{kind}-{size}", 1)
                frame = args.frame_size if kind == "frame" else None
                data.fill(settings, contract, topic, [0], size, frame, base)
                run = run_tasks(scratch, "assay", topic, 1)
            finally:
                scratch.clean()
            row = {"kind": kind, "backlog": size, **run}
            rows.append(row)
            print(
                f"  growth {kind} {size:,}: {run['seconds']:.1f} s, "
                f"{run['readings'] / run['seconds']:,.0f} readings/s, "
                f"peak RSS {run['maxrss_mb']:.0f} MB",
                flush=True,
            )
    return rows


def freshness(args: argparse.Namespace, settings: Settings, contract: Contract) -> dict:
    """The trickle from here, the loop in its own process; plus Airflow's recorded overhead."""
    from bench._pipeline_freshness import Trickle, airflow_task_overhead

    scratch = data.Scratch(settings)
    try:
        topic, buckets = scratch.topic("freshness", 1), scratch.bucket_set()
        argv = ["--topic", topic, "--group", scratch.group("fresh"), "--buckets"]
        argv += [json.dumps(buckets), "--seconds", str(args.freshness_seconds + 10)]
        proc = _spawn("bench._pipeline_freshness", [*argv, "--interval", str(args.interval)])
        trickle = Trickle(settings, contract, topic, args.trickle_rate, args.freshness_seconds)
        trickle.start()
        (out,) = _together([proc])
        trickle.join()
    finally:
        scratch.clean()
    out |= {"sent": trickle.sent, "rate": args.trickle_rate, "interval_s": args.interval}
    print(f"  freshness: p50 {out['p50_s']:.2f} s, p95 {out['p95_s']:.2f} s", flush=True)
    return {"loop": out, "airflow": airflow_task_overhead(settings)}


def airflow(args: argparse.Namespace, settings: Settings, contract: Contract) -> dict:
    """Freshness through the stack's running DAGs, event-driven and on an interval."""
    from bench._airflow_freshness import Options, section

    opts = Options(
        seconds=args.airflow_seconds,
        rate=args.airflow_rate,
        interval=args.interval_seconds,
        drain=args.airflow_drain,
        modes=tuple(m.strip() for m in args.airflow_modes.split(",") if m.strip()),
    )
    return section(settings, contract, opts)


def machine() -> dict[str, Any]:
    """Where and when this ran, and how busy the machine was."""
    from importlib.metadata import version

    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        **{p: version(p) for p in ("pyarrow", "kafka-python", "great-expectations", "pandas")},
    }


def main(argv: list[str] | None = None) -> None:
    """Run the chosen sections, print the tables, write the JSON."""
    args = parse_args(argv)
    # The benchmark makes and reads buckets of its own, which no role's policy names: root.
    settings, contract = load_settings().as_role(ROOT), load_contract(args.contract)
    sections = set(args.sections.split(","))
    base = data.base_readings(contract)
    result: dict[str, Any] = {"machine_before": machine(), "settings": _settings(args)}
    if "throughput" in sections:
        result["throughput"] = throughput(args, settings, contract, base)
    if "growth" in sections:
        result["growth"] = growth(args, settings, contract, base)
    if "freshness" in sections:
        result["freshness"] = freshness(args, settings, contract)
    if "airflow" in sections:
        result["airflow_freshness"] = airflow(args, settings, contract)
    result["machine_after"] = machine()
    report(result)
    if "airflow_freshness" in result:
        from rich.console import Console

        from bench._airflow_freshness import table

        Console(width=140).print(table(result["airflow_freshness"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


def _settings(args: argparse.Namespace) -> dict[str, str]:
    return {k: str(v) for k, v in vars(args).items()}


if __name__ == "__main__":
    main()
