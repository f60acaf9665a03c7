"""Throughput through Airflow: the cluster with 1 and 2 Celery workers beside the single stack.

    uv run python -m bench.cluster --help
    uv run python -m bench.cluster --cluster-state .assay-cluster --single-state .assay

Each case sends ``--readings`` energy_meter readings of a producer of its own (acks=all, keys
spread over the contract's partitions), while the ingest and validate DAGs are paused (so the
topic watchers cannot start early), then unpauses them, triggers ingest and times the drain:
until the ingest group has committed everything, then until no raw object is pending.
Readings/s = readings / (ingest + validate seconds), wall clock; task CPU-s = the CPU the
scheduler and Celery workers' process trees spent meanwhile (tasks included). The cluster runs once
with worker 2 stopped and once with both; a stack that is not running is left out. Ratios
are against the single-process stack measured in the same run. JSON goes to
``bench/results/cluster.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assay.config import ROOT, Settings, load_settings

RESULTS = Path(__file__).resolve().parent / "results" / "cluster.json"
CONTRACT = "energy_meter"
DEVICES = 64
DAGS = (f"assay_ingest_{CONTRACT}", f"assay_validate_{CONTRACT}")
#: Where tasks run: the Celery workers, or the LocalExecutor's scheduler (its children).
WORKERS = ("airflow-worker-1", "airflow-worker-2", "airflow-scheduler")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cluster",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--readings", type=int, default=60_000, help="per case")
    parser.add_argument("--cluster-state", type=Path, default=Path(".assay-cluster"))
    parser.add_argument("--single-state", type=Path, default=Path(".assay"))
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per stage")
    return parser.parse_args(argv)


def produce(settings: Settings, readings: int, producer_id: str) -> None:
    from kafka import KafkaProducer

    from schemas import wire
    from schemas.kafka_security import kafka_python_security

    sender = KafkaProducer(
        bootstrap_servers=settings.bootstrap,
        acks="all",
        linger_ms=50,
        **kafka_python_security(settings.kafka_security()),
    )
    headers = [(wire.HEADER_CONTRACT, CONTRACT.encode()), (wire.HEADER_VERSION, b"1.0.0")]
    for i in range(readings):
        value = json.dumps(reading(producer_id, i)).encode()
        sender.send(f"assay.{CONTRACT}.v1", value, key=f"d{i % DEVICES}".encode(), headers=headers)
    sender.flush(120)
    sender.close()


def reading(producer_id: str, i: int) -> dict[str, object]:
    """A clean energy_meter reading (seq ``i``): 64 meters of the producer's own, each reading
    once a second from 2026-03-01 08:00, values that move (no stuck run, no gap, energy
    rising), so the drain measures curation, not quarantine."""
    at = datetime(2026, 3, 1, 8, tzinfo=UTC) + timedelta(seconds=i // DEVICES)
    clock = at.strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "producer_id": producer_id,
        "seq": i,
        "site": "plant-a",
        "device_id": f"{producer_id}-m{i % DEVICES}",
        "event_time": f"{clock}.000Z",
        "ingest_time": f"{clock}.200Z",
        "active_power": 40.0 + i % 9,
        "active_energy": 100.0 + i,
        "voltage_l1": 229.5 + i % 7 / 10,
        "current_l1": 60.0,
        "power_factor": 0.93,
        "frequency": 50.01,
    }


def caught_up(settings: Settings) -> bool:
    from assay.pipeline.ingest.consumer import ingest_group, positions

    found = positions(settings, f"assay.{CONTRACT}.v1", ingest_group(CONTRACT))
    return all(committed == high for _, high, committed in found.values())


def validated(settings: Settings) -> bool:
    from assay.pipeline.validate import curation
    from assay.store import partitions
    from assay.store.buckets import Buckets
    from assay.store.objects import S3Store

    contract = settings.contracts().get(CONTRACT)
    store, buckets = S3Store(settings), Buckets.from_settings(settings)
    landed = partitions.landed(store, buckets.raw, contract)  # added partitions too
    return all(not curation.pending(store, buckets, contract, p) for p in landed)


def paused(settings: Settings, dag_ids: tuple[str, ...], value: bool) -> None:
    """Pause or unpause DAGs: paused, the topic watchers cannot start ingesting while the
    backlog is still being produced, so the clock measures the drain alone."""
    from assay.devstack import airflow_client

    for dag_id in dag_ids:
        body, path = {"is_paused": value}, f"/dags/{dag_id}"
        answered(functools.partial(airflow_client.call, settings, "PATCH", path, body))


def answered(call: Callable[[], object], tries: int = 5) -> object:
    """An Airflow API call, again after a transient error (its database busy: a 500)."""
    from assay.devstack.airflow_client import AirflowApiError

    for attempt in range(tries):
        try:
            return call()
        except AirflowApiError as exc:
            if not exc.transient or attempt == tries - 1:
                raise
            time.sleep(2.0)
    return None


def idle(settings: Settings, dag_ids: tuple[str, ...]) -> bool:
    """No run of ``dag_ids`` queued or running."""
    from assay.devstack import airflow_client

    busy = {"queued", "running"}
    try:
        found = [r for d in dag_ids for r in airflow_client.runs(settings, d, 20)]
    except airflow_client.AirflowApiError as exc:
        if exc.transient:
            return False  # ask again
        raise
    return not any(r["state"] in busy for r in found)


def drained(settings: Settings, timeout: float) -> tuple[float, float]:
    """Unpause both DAGs, trigger ingest and time the backlog until it is ingested and
    until it is validated (validation starts on ingest's asset events, as in production)."""
    from assay.devstack import airflow_client
    from assay.devstack.stack import _process

    started = time.monotonic()
    paused(settings, DAGS, False)
    answered(lambda: airflow_client.trigger(settings, DAGS[0]))
    if not _process.wait_for(lambda: caught_up(settings), timeout=timeout, interval=1.0):
        raise SystemExit(f"ingest did not catch up within {timeout:.0f}s")
    ingest = time.monotonic() - started
    print(f"  ingested in {ingest:.1f}s; validating", flush=True)
    answered(lambda: airflow_client.trigger(settings, DAGS[1]))
    if not _process.wait_for(lambda: validated(settings), timeout=timeout, interval=1.0):
        raise SystemExit(f"validation did not finish within {timeout:.0f}s")
    return ingest, time.monotonic() - started - ingest


def cpu_seconds(settings: Settings, names: tuple[str, ...]) -> float:
    """CPU seconds of the named stack services' process trees so far: every live process's
    own time and that of the children it reaped (task processes that have ended)."""
    from assay.devstack.stack import services

    roots = {r.pid for s in services(settings) if s.name in names and (r := s.record())}
    stats, children = {}, defaultdict(list)
    for entry in [e for e in Path("/proc").iterdir() if e.name.isdigit()]:
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or gone meanwhile
        stats[int(entry.name)] = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        children[int(fields[1])].append(int(entry.name))
    ticks, todo, total = os.sysconf("SC_CLK_TCK"), list(roots), 0
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0)
        todo += children.get(pid, [])
    return total / ticks


def measure(settings: Settings, readings: int, timeout: float) -> dict[str, float]:
    """One case: with the DAGs paused and idle, produce the backlog; then drain it, timed."""
    from assay.devstack.stack import _process

    paused(settings, DAGS, True)
    try:
        _process.wait_for(lambda: idle(settings, DAGS), timeout=timeout, interval=2.0)
        print(f"  producing {readings:,} readings to {settings.bootstrap}", flush=True)
        produce(settings, readings, f"bench-{uuid.uuid4().hex[:8]}")
        print("  draining (Airflow)", flush=True)
        before = cpu_seconds(settings, WORKERS)
        ingest, validate = drained(settings, timeout)
        cpu = cpu_seconds(settings, WORKERS) - before
    finally:
        paused(settings, DAGS, False)  # whatever happened, the stack schedules again
    print(f"  validated in {validate:.1f}s more", flush=True)
    return {
        "ingest_s": round(ingest, 1),
        "validate_s": round(validate, 1),
        "readings_per_s": round(readings / (ingest + validate)),
        "worker_cpu_s": round(cpu, 1),
        "readings_per_worker_cpu_s": round(readings / cpu) if cpu else 0,
    }


def running(state: Path) -> Settings | None:
    from assay.devstack import stack

    if not (state / "stack.toml").is_file():
        return None
    settings = load_settings(state_dir=state).as_role(ROOT)
    return settings if all(s.healthy for s in stack.status(settings)) else None


def cluster_cases(settings: Settings, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    from assay.devstack.stack.airflow import airflow_services

    second = next(s for s in airflow_services(settings) if s.name == "airflow-worker-2")
    second.down()
    print("cluster, 1 worker", flush=True)
    try:
        one = measure(settings, args.readings, args.timeout)
    finally:
        second.up(print)
    print("cluster, 2 workers", flush=True)
    return {
        "cluster, 1 worker": one,
        "cluster, 2 workers": measure(settings, args.readings, args.timeout),
    }


def main(argv: list[str] | None = None) -> None:
    from bench._suite import machine

    args = parse_args(argv)
    info = machine() | {"load_average_start": os.getloadavg()}
    cases: dict[str, dict[str, float]] = {}
    if single := running(args.single_state):
        print("single stack", flush=True)
        cases["single stack"] = measure(single, args.readings, args.timeout)
    if cluster := running(args.cluster_state):
        cases |= cluster_cases(cluster, args)
    for name, state, found in (
        ("single", args.single_state, single),
        ("cluster", args.cluster_state, cluster),
    ):
        if found is None:
            print(
                f"{name} stack left out: none running and healthy in {state} (`assay stack status`)"
            )
    base = cases.get("single stack", {}).get("readings_per_s")
    print(f"{'case':<22}{'ingest s':>10}{'validate s':>12}{'readings/s':>12}{'ratio':>8}"
          f"{'task CPU-s':>12}{'readings/CPU-s':>16}")  # fmt: skip
    for name, row in cases.items():
        ratio = f"{row['readings_per_s'] / base:.2f}x" if base else "-"
        print(
            f"{name:<22}{row['ingest_s']:>10}{row['validate_s']:>12}"
            f"{row['readings_per_s']:>12}{ratio:>8}"
            f"{row['worker_cpu_s']:>12}{row['readings_per_worker_cpu_s']:>16}"
        )
    info["load_average_end"] = os.getloadavg()
    start, end = info["load_average_start"], info["load_average_end"]
    print(f"load average {start} at the start, {end} at the end, commit {info['commit']}")
    result = {"machine": info, "readings": args.readings, "cases": cases}
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
