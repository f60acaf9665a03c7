"""Throughput through Airflow: the cluster with 1 and 2 Celery workers beside the single stack.

    uv run python -m bench.cluster --help
    uv run python -m bench.cluster --cluster-state .assay-cluster --single-state .assay

Each case sends ``--readings`` energy_meter readings of a producer of its own (acks=all, keys
spread over the contract's partitions), triggers the ingest DAG and times it until the
ingest group has committed everything, then triggers the validate DAG and times it until no
raw object is pending. Readings/s = readings / (ingest + validate seconds), wall clock. The
cluster runs once with worker 2 stopped and once with both; a stack that is not running is
left out. Ratios are against the single-process stack measured in the same run. JSON goes
to ``bench/results/cluster.json``.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path
from typing import Any

from assay.config import ROOT, Settings, load_settings

RESULTS = Path(__file__).resolve().parent / "results" / "cluster.json"
CONTRACT = "energy_meter"


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
        sender.send(f"assay.{CONTRACT}.v1", value, key=f"d{i % 64}".encode(), headers=headers)
    sender.flush(120)
    sender.close()


def reading(producer_id: str, i: int) -> dict[str, object]:
    """A valid energy_meter reading (seq ``i``, one per second from 08:00) of 64 meters."""
    clock = f"2026-03-01T{8 + i // 3600 % 12:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
    return {
        "producer_id": producer_id,
        "seq": i,
        "site": "plant-a",
        "device_id": f"meter-{i % 64}",
        "event_time": f"{clock}.000Z",
        "ingest_time": f"{clock}.200Z",
        "active_power": 40.0 + i % 9,
        "active_energy": 100.0 + i,
        "voltage_l1": 229.5,
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
    from assay.store.buckets import Buckets
    from assay.store.objects import S3Store

    contract = settings.contracts().get(CONTRACT)
    store, buckets = S3Store(settings), Buckets.from_settings(settings)
    return all(
        not curation.pending(store, buckets, contract, p) for p in range(contract.partitions)
    )


def timed(settings: Settings, dag_id: str, done: Any, timeout: float) -> float:
    from assay.devstack import airflow_client
    from assay.devstack.stack import _process

    started = time.monotonic()
    airflow_client.trigger(settings, dag_id)
    if not _process.wait_for(lambda: done(settings), timeout=timeout, interval=1.0):
        raise SystemExit(f"{dag_id} did not finish within {timeout:.0f}s")
    return time.monotonic() - started


def measure(settings: Settings, readings: int, timeout: float) -> dict[str, float]:
    """One case: produce, then ingest and validate through Airflow, timed."""
    produce(settings, readings, f"bench-{uuid.uuid4().hex[:8]}")
    ingest = timed(settings, f"assay_ingest_{CONTRACT}", caught_up, timeout)
    validate = timed(settings, f"assay_validate_{CONTRACT}", validated, timeout)
    return {
        "ingest_s": round(ingest, 1),
        "validate_s": round(validate, 1),
        "readings_per_s": round(readings / (ingest + validate)),
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
    try:
        one = measure(settings, args.readings, args.timeout)
    finally:
        second.up(print)
    return {
        "cluster, 1 worker": one,
        "cluster, 2 workers": measure(settings, args.readings, args.timeout),
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    cases: dict[str, dict[str, float]] = {}
    if single := running(args.single_state):
        cases["single stack"] = measure(single, args.readings, args.timeout)
    if cluster := running(args.cluster_state):
        cases |= cluster_cases(cluster, args)
    base = cases.get("single stack", {}).get("readings_per_s")
    print(f"{'case':<22}{'ingest s':>10}{'validate s':>12}{'readings/s':>12}{'ratio':>8}")
    for name, row in cases.items():
        ratio = f"{row['readings_per_s'] / base:.2f}x" if base else "-"
        print(
            f"{name:<22}{row['ingest_s']:>10}{row['validate_s']:>12}"
            f"{row['readings_per_s']:>12}{ratio:>8}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"readings": args.readings, "cases": cases}, indent=2) + "\n")


if __name__ == "__main__":
    main()
