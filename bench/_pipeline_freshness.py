"""Freshness: how long a reading takes from the edge's send to a curated object on S3.

A trickle of JSON readings (event and ingest time = the moment of sending) goes to a
one-partition topic from the parent process, while this module, in its own process, runs
the in-process pipeline in a loop: land the partition, validate what is pending, sleep
``--interval`` seconds. When a segment's ``validate_segment`` returns, its curated and
quarantine objects exist; every reading in them is then visible, and its latency is that
moment minus its ``ingest_time``. Prints one JSON line with the latencies' percentiles.

Also reads what Airflow itself recorded (its metadata database, read-only) about mapped
task runs of the pipeline DAGs: the fixed cost one task adds on top of this loop.

    python -m bench._pipeline_freshness --help
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay.config import ROOT, Settings, load_settings
from schemas import Contract, load_contract


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (of the loop process)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench._pipeline_freshness", description=__doc__
    )
    parser.add_argument("--contract", default="energy_meter")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--buckets", type=json.loads, required=True, help="JSON: role -> bucket")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to loop")
    parser.add_argument("--interval", type=float, default=1.0, help="sleep between loop turns")
    return parser.parse_args(argv)


def loop(args: argparse.Namespace, settings: Settings, contract: Contract) -> dict[str, Any]:
    """Land and validate every ``interval`` seconds; latency of each visible reading."""
    from assay.pipeline.ingest import landing
    from assay.pipeline.ingest.consumer import KafkaPartition
    from assay.pipeline.validate import curation
    from assay.store.objects import S3Store

    store, b = S3Store(settings), args.buckets
    lb = landing.Buckets(raw=b["raw"], deadletter=b["deadletter"])
    cb = curation.Buckets(
        raw=b["raw"], curated=b["curated"], quarantine=b["quarantine"], reports=b["reports"]
    )
    visible: list[tuple[float, curation.Summary]] = []
    turns: list[float] = []
    deadline = time.monotonic() + args.seconds
    with KafkaPartition(settings, args.topic, 0, args.group) as log:
        while time.monotonic() < deadline:
            start = time.perf_counter()
            landing.land_partition(log, store, lb, contract)
            for key in curation.pending(store, cb, contract, 0):
                summary = curation.validate_segment(store, cb, contract, key)
                visible.append((time.time(), summary))
            turns.append(time.perf_counter() - start)
            time.sleep(args.interval)
    latencies = _latencies(store, cb, visible)
    return {
        "readings": len(latencies),
        "segments": len(visible),
        "turn_seconds_median": statistics.median(turns) if turns else None,
        "turn_seconds_max": max(turns) if turns else None,
        **percentiles(latencies),
    }


def _latencies(store: Any, buckets: Any, visible: list) -> list[float]:
    import pyarrow.compute as pc

    from assay.store.parquet import from_parquet

    out: list[float] = []
    for moment, summary in visible:
        keys = [(buckets.curated, k) for k in summary.curated_keys]
        if summary.quarantine_key:
            keys.append((buckets.quarantine, summary.quarantine_key))
        for bucket, key in keys:
            ingest = from_parquet(store.get(bucket, key))["ingest_time"]
            ms = pc.cast(ingest, "int64").to_pylist()
            out.extend(moment - m / 1000 for m in ms)
    return out


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50, p95 and max, in seconds."""
    if not values:
        return {"p50_s": None, "p95_s": None, "max_s": None}
    ordered = sorted(values)
    return {
        "p50_s": ordered[len(ordered) // 2],
        "p95_s": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        "max_s": ordered[-1],
    }


class Trickle(threading.Thread):
    """Sends ``rate`` JSON readings a second to partition 0, stamped with the sending time."""

    def __init__(
        self, settings: Settings, contract: Contract, topic: str, rate: int, seconds: float
    ) -> None:
        super().__init__(daemon=True)
        self.settings, self.contract, self.topic = settings, contract, topic
        self.rate, self.seconds, self.sent = rate, seconds, 0

    def run(self) -> None:
        from confluent_kafka import Producer

        from bench._pipeline_data import DEVICES, base_readings
        from producers import Encoder, Reading
        from producers.encoding import headers
        from schemas.kafka_security import librdkafka_security

        base = base_readings(self.contract)[: DEVICES * 1000]
        encoder = Encoder(self.contract, "bench-trickle", "sz-plant-1")
        security = librdkafka_security(self.settings.kafka_security())
        producer = Producer(
            {"bootstrap.servers": self.settings.bootstrap, "linger.ms": 5, **security}
        )
        tick, per_tick = 0.1, max(1, round(self.rate / 10))
        start = time.monotonic()
        while time.monotonic() - start < self.seconds:
            now = datetime.now(UTC)
            for _ in range(per_tick):
                r = base[self.sent % len(base)]
                reading = Reading(r.contract, r.device_id, now, r.values)
                m = encoder.json(reading, self.sent, int(now.timestamp() * 1000))
                sent: list[tuple[str, str | bytes | None]] = [*headers(m, "bench-trickle", False)]
                producer.produce(self.topic, m.value, m.key, partition=0, headers=sent)
                self.sent += 1
            producer.poll(0)
            time.sleep(max(0.0, start + tick * (self.sent // per_tick) - time.monotonic()))
        producer.flush(30)


def airflow_task_overhead(settings: Settings) -> dict[str, Any] | None:
    """What Airflow recorded about the pipeline DAGs' mapped tasks, read-only: a mapped
    ingest task that found nothing to land ("skipped") is all overhead — process start,
    imports, DAG parse, one Kafka offsets call."""
    from assay.devstack.stack.airflow import airflow_home

    db = Path(airflow_home(settings)) / "airflow.db"
    if not db.is_file():
        return None
    query = (
        "select task_id, state, duration, "
        "(julianday(start_date) - julianday(queued_dttm)) * 86400 "
        "from task_instance where dag_id like 'assay_%' and map_index >= 0 "
        "and duration is not null"
    )
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(query).fetchall()
    noop = [r[2] for r in rows if r[0] == "ingest" and r[1] == "skipped"]
    queued = [r[3] for r in rows if r[3] is not None]
    if not noop:
        return None
    return {
        "mapped_tasks": len(rows),
        "noop_ingest_tasks": len(noop),
        "noop_ingest_s_median": statistics.median(noop),
        "noop_ingest_s_p95": sorted(noop)[int(len(noop) * 0.95)],
        "queued_to_start_s_median": statistics.median(queued) if queued else None,
    }


def main(argv: list[str] | None = None) -> None:
    """Warm up, print ready, loop, print the result."""
    args = parse_args(argv)
    # The benchmark makes and reads buckets of its own, which no role's policy names: root.
    settings, contract = load_settings().as_role(ROOT), load_contract(args.contract)
    from bench._pipeline_task import warm_up

    warm_up("assay", contract)
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(loop(args, settings, contract)), flush=True)


if __name__ == "__main__":
    main()
