"""Freshness through the running Airflow: send -> curated-visible latency of a steady trickle on
the contract's real topic, with the local stack's DAGs doing the landing and the validation.

Two modes, one after the other:

* ``event-driven``: the schedule as deployed. Both DAGs are unpaused; the Kafka watcher in the
  triggerer wakes ``assay_ingest_<contract>`` (its 10-minute cron fallback stays as deployed)
  and the raw asset wakes ``assay_validate_<contract>``. Before the clock, one warm-up reading
  and a run the watcher woke for it show that the watcher is listening.
* ``interval``: what an interval-only (cron) ingest schedule of ``interval`` seconds gives. The
  ingest DAG is paused, so the next parse of the DAG file drops its watcher and the fallback
  does not fire, and *this module's clock plays the timetable*: at every multiple of the
  interval (wall clock, as cron fires) it triggers a run through the REST API. The scheduler
  never starts a queued run of a paused DAG, so the DAG is unpaused from such a trigger until
  it has no queued or running run, then paused again; runs that other causes start in those
  windows (a watcher restored by a parse, a fallback tick missed while paused) are counted by
  type. The validate DAG stays on its raw asset.

In both modes readings are encoded by the edge's `Encoder` with its headers, under a producer id
of this run (``bench-fresh-<hex>``) and devices of its own, and sent with librdkafka (acks=all,
idempotence, lz4, and the murmur2 partitioner the edge's kafka-python uses, so the keys land on
the same partitions); ``ingest_time`` and ``event_time`` are stamped at the send. Every
``poll`` seconds the curated and quarantine buckets are listed under the contract's prefix,
objects not seen before are read (``producer_id`` and ``seq`` only), and each of this run's
readings gets the time of the first listing that showed it. Latency = that time - the send
time. After the trickle, polling goes on until every acknowledged reading is seen or ``drain``
seconds pass; readings never seen are reported as unseen, never dropped. The DAG runs of the
window come from the REST API with their queued -> start -> end times and task instances.
The DAGs' pause state is restored at the end. The readings stay in the stack's topic and
buckets, under their ``bench-fresh-*`` producer ids.
"""

from __future__ import annotations

import io
import math
import os
import secrets
import statistics
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from assay.config import Settings
from assay.devstack import airflow_client
from schemas import Contract, topic_name

MODES = ("event-driven", "interval")
ACTIVE = ("queued", "running")
RESEND_S = 20.0  # warm-up: a new reading this often until the watcher wakes a run
SITE = "sz-plant-1"


# Pure functions: latencies, percentiles, run durations ---------------------------------
def percentiles(values: Iterable[float]) -> dict[str, float | None]:
    """Nearest-rank p50, p95 and p99 and the maximum (None for all without values)."""
    ordered = sorted(values)
    out: dict[str, float | None] = {}
    for q in (50, 95, 99):
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        out[f"p{q}_s"] = ordered[rank - 1] if ordered else None
    out["max_s"] = ordered[-1] if ordered else None
    return out


def match(sent: Mapping[int, float], seen: Mapping[int, float]) -> tuple[list[float], list[int]]:
    """Latency (seen - sent) of every sent reading that was seen, in seq order, and the seqs
    never seen. Seen seqs that were not sent are not this run's concern and are ignored."""
    latencies: list[float] = []
    unseen: list[int] = []
    for seq in sorted(sent):
        if seq in seen:
            latencies.append(seen[seq] - sent[seq])
        else:
            unseen.append(seq)
    return latencies, unseen


def _moment(text: str | None) -> float | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def _gap(start: str | None, end: str | None) -> float | None:
    a, b = _moment(start), _moment(end)
    return b - a if a is not None and b is not None else None


def _median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def run_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """DAG runs (as the REST API returns them): how many of each type and state, and the
    median wait from ``run_after`` (the waking event, the tick or the trigger) to queued, from
    queued to start, and the run time from start to end."""
    return {
        "runs": len(runs),
        "by_type": dict(Counter(str(r.get("run_type")) for r in runs)),
        "by_state": dict(Counter(str(r.get("state")) for r in runs)),
        "after_to_queued_s_median": _median(
            _gap(r.get("run_after"), r.get("queued_at")) for r in runs
        ),
        "queued_to_start_s_median": _median(_gap(r["queued_at"], r["start_date"]) for r in runs),
        "start_to_end_s_median": _median(_gap(r["start_date"], r["end_date"]) for r in runs),
        "start_to_end_s_max": max(
            (g for r in runs if (g := _gap(r["start_date"], r["end_date"])) is not None),
            default=None,
        ),
    }


def task_summary(tasks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Task instances by task id: count, states, median queued -> start and run time."""
    out: dict[str, dict[str, Any]] = {}
    for task_id in sorted({str(t["task_id"]) for t in tasks}):
        mine = [t for t in tasks if t["task_id"] == task_id]
        out[task_id] = {
            "instances": len(mine),
            "by_state": dict(Counter(str(t.get("state")) for t in mine)),
            "queued_to_start_s_median": _median(
                _gap(t.get("queued_when"), t.get("start_date")) for t in mine
            ),
            "duration_s_median": _median(t.get("duration") for t in mine),
        }
    return out


# The REST API -------------------------------------------------------------------------
class Api:
    """The few Airflow REST API (v2) calls this benchmark makes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return airflow_client.call(self.settings, method, path, body)

    def paused(self, dag_id: str) -> bool | None:
        """The DAG's pause state; None while Airflow does not know it."""
        try:
            return bool(self.call("GET", f"/dags/{dag_id}")["is_paused"])
        except airflow_client.AirflowApiError as exc:
            if exc.status == 404:
                return None
            raise

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.call("PATCH", f"/dags/{dag_id}", {"is_paused": paused})

    def trigger(self, dag_id: str) -> str:
        run = self.call("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None})
        return str(run["dag_run_id"])

    def active(self, dag_id: str) -> int:
        found = self.call("GET", f"/dags/{dag_id}/dagRuns?state=queued&state=running&limit=1")
        return int(found["total_entries"])

    def runs(self, dag_id: str, since: datetime) -> list[dict[str, Any]]:
        stamp = urllib.parse.quote(since.isoformat())
        path = f"/dags/{dag_id}/dagRuns?run_after_gte={stamp}&limit=100&order_by=run_after"
        return list(self.call("GET", path)["dag_runs"])

    def tasks(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id)}/taskInstances?limit=100"
        return list(self.call("GET", path)["task_instances"])

    def watchers(self, asset: str) -> int:
        found = self.call("GET", f"/assets?name_pattern={asset}&limit=100")
        return sum(len(a["watchers"]) for a in found["assets"] if a["name"] == asset)


def _until(check: Any, timeout: float, step: float = 2.0) -> float | None:
    """Seconds until ``check()`` was true, or None after ``timeout``."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            return None
        time.sleep(step)


def _wake(
    api: Api, settings: Settings, contract: Contract, dag_id: str, timeout: float
) -> float | None:
    """Send a reading (producer ``bench-fresh-warm-<hex>``) every ``RESEND_S`` seconds until the
    watcher has woken ``dag_id`` for one: seconds, or None after ``timeout``.

    The watcher's consumer starts at the log end once it holds the partitions, so a reading
    sent while the triggerer is still starting the watcher (it picks up a re-parsed asset
    within a minute) or while its consumer joins the group is never seen; the next one is.
    """
    since, start = datetime.now(UTC), time.monotonic()

    def woken() -> bool:
        return any(r["run_type"] == "asset_triggered" for r in api.runs(dag_id, since))

    while time.monotonic() - start < timeout:
        # A producer id per reading: each starts at seq 0, as a new edge would.
        Trickle(settings, contract, f"bench-fresh-warm-{secrets.token_hex(4)}", 1, 0.5).run()
        left = timeout - (time.monotonic() - start)
        if _until(woken, min(RESEND_S, max(0.0, left))) is not None:
            return time.monotonic() - start
    return None


# The trickle, the bucket watch, the played timetable ------------------------------------
class Trickle(threading.Thread):
    """Sends ``rate`` readings a second for ``seconds`` to the contract's topic; keeps each
    seq's send time and which sends the broker refused."""

    def __init__(
        self, settings: Settings, contract: Contract, producer_id: str, rate: int, seconds: float
    ) -> None:
        super().__init__(daemon=True)
        from bench._pipeline_data import base_readings
        from producers import Encoder, Reading

        self.settings, self.contract, self.producer_id = settings, contract, producer_id
        self.rate, self.seconds = rate, seconds
        # Devices of this run only: stream rules (counters, gaps) follow a device across runs.
        self.base = [
            Reading(r.contract, f"{producer_id}-{r.device_id}", r.event_time, r.values)
            for r in base_readings(contract)
        ]
        self.encoder = Encoder(contract, producer_id, SITE)
        self.sent: dict[int, float] = {}
        self.failed: dict[int, str] = {}
        self.error: str | None = None

    def run(self) -> None:
        try:
            self._send()
        except Exception as exc:  # reported with the results, never swallowed
            self.error = f"{type(exc).__name__}: {exc}"

    def _send(self) -> None:
        from confluent_kafka import Producer

        from producers import Reading
        from producers.encoding import headers
        from schemas.kafka_security import librdkafka_security

        producer = Producer(
            {
                **librdkafka_security(self.settings.kafka_security()),
                "bootstrap.servers": self.settings.bootstrap,
                "acks": "all",
                "enable.idempotence": True,
                "compression.type": "lz4",
                "linger.ms": 20,
                "partitioner": "murmur2_random",
            }
        )
        topic = topic_name(self.contract)
        tick, per_tick = 0.1, max(1, round(self.rate / 10))
        start, seq = time.monotonic(), 0
        while time.monotonic() - start < self.seconds:
            for _ in range(per_tick):
                r = self.base[seq % len(self.base)]
                now = time.time()
                reading = Reading(
                    r.contract, r.device_id, datetime.fromtimestamp(now, UTC), r.values
                )
                m = self.encoder.json(reading, seq, int(now * 1000))
                sent: list[tuple[str, str | bytes | None]] = [*headers(m, self.producer_id, False)]
                producer.produce(
                    topic, m.value, m.key, headers=sent, on_delivery=self._delivered(seq)
                )
                self.sent[seq] = now
                seq += 1
            producer.poll(0)
            time.sleep(max(0.0, start + tick * (seq // per_tick) - time.monotonic()))
        left = producer.flush(60)
        if left:
            self.error = f"{left} messages still unacknowledged after 60 s"

    def _delivered(self, seq: int) -> Any:
        def done(err: Any, _msg: Any) -> None:
            if err is not None:
                self.failed[seq] = str(err)

        return done

    def acknowledged(self) -> dict[int, float]:
        """Send time of every reading the broker took."""
        return {s: t for s, t in self.sent.items() if s not in self.failed}


class CuratedWatch:
    """Lists the curated and quarantine buckets; reads objects not seen before; keeps the time
    of the first listing that showed each of this producer's seqs."""

    def __init__(self, settings: Settings, contract: Contract, producer_id: str) -> None:
        from assay.store.layout import dataset_prefix
        from assay.store.objects import S3Store

        self.store, self.producer_id = S3Store(settings), producer_id
        self.buckets = {
            "curated": settings.bucket_curated,
            "quarantine": settings.bucket_quarantine,
        }
        self.prefix = dataset_prefix(contract.name, contract.major)
        self.columns = [contract.ordering.producer, contract.ordering.sequence]
        self.known = {
            (b, k) for b in self.buckets.values() for k in self.store.keys(b, self.prefix)
        }
        self.seen: dict[int, float] = {}
        self.where: Counter[str] = Counter()
        self.objects = 0
        self.list_seconds: list[float] = []
        self.errors: list[str] = []

    def poll(self) -> None:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        started = time.perf_counter()
        try:
            new = [
                (role, bucket, key)
                for role, bucket in self.buckets.items()
                for key in self.store.keys(bucket, self.prefix)
                if (bucket, key) not in self.known
            ]
        except Exception as exc:  # listed again at the next turn
            self.errors.append(f"list: {exc}")
            return
        moment = time.time()  # every object listed was visible by now
        self.list_seconds.append(time.perf_counter() - started)
        for role, bucket, key in new:
            try:
                data = self.store.get(bucket, key)
            except Exception as exc:  # read again at the next turn
                self.errors.append(f"{bucket}/{key}: {exc}")
                continue
            self.known.add((bucket, key))
            table = pq.read_table(io.BytesIO(data), columns=self.columns)
            mine = table.filter(pc.equal(table[self.columns[0]], self.producer_id))
            if mine.num_rows:
                self.objects += 1
            for seq in mine[self.columns[1]].to_pylist():
                if seq not in self.seen:
                    self.seen[seq] = moment
                    self.where[role] += 1


@dataclass
class Triggered:
    """One run the played timetable asked for."""

    tick: float
    at: float
    run_id: str


class Timetable(threading.Thread):
    """Triggers ``dag_id`` at every multiple of ``interval`` seconds of the wall clock, as cron
    does; the DAG is unpaused from a trigger until it has no queued or running run."""

    def __init__(self, api: Api, dag_id: str, interval: float) -> None:
        super().__init__(daemon=True)
        self.api, self.dag_id, self.interval = api, dag_id, interval
        self.stop = threading.Event()
        self.triggered: list[Triggered] = []
        self.unpaused_seconds = 0.0
        self.errors: list[str] = []

    def run(self) -> None:
        tick = math.ceil(time.time() / self.interval) * self.interval
        unpaused_at: float | None = None
        while not self.stop.is_set():
            now = time.time()
            try:
                if now >= tick:
                    if unpaused_at is None:
                        self.api.set_paused(self.dag_id, False)
                        unpaused_at = time.time()
                    run_id = self.api.trigger(self.dag_id)
                    self.triggered.append(Triggered(tick, time.time(), run_id))
                    while tick <= now:
                        tick += self.interval
                elif unpaused_at is not None and not self.api.active(self.dag_id):
                    self.api.set_paused(self.dag_id, True)
                    self.unpaused_seconds += time.time() - unpaused_at
                    unpaused_at = None
            except Exception as exc:  # a failed call is retried at the next turn
                self.errors.append(f"{type(exc).__name__}: {exc}")
            self.stop.wait(max(0.05, min(1.0, tick - time.time())))
        if unpaused_at is not None:
            self.unpaused_seconds += time.time() - unpaused_at


# One mode, both modes -------------------------------------------------------------------
@dataclass
class Options:
    """What one run of the section is asked to do."""

    seconds: float = 300.0
    rate: int = 20
    interval: float = 60.0
    drain: float = 240.0
    poll: float = 1.0
    modes: tuple[str, ...] = MODES


def dag_ids(contract: Contract) -> tuple[str, str]:
    """The ingest and validate DAG of a contract."""
    return f"assay_ingest_{contract.name}", f"assay_validate_{contract.name}"


def run_mode(
    mode: str, api: Api, settings: Settings, contract: Contract, opts: Options
) -> dict[str, Any]:
    """Prepare the DAGs for ``mode``, send the trickle, watch the buckets, collect the runs."""
    ingest, validate = dag_ids(contract)
    asset = f"kafka_{contract.name}_v{contract.major}"
    for dag in (ingest, validate):
        api.set_paused(dag, False)
    # Start with nothing in flight (a queued run of a paused DAG would never finish).
    idle_wait = _until(lambda: not api.active(ingest) and not api.active(validate), 300)
    want_watcher = mode == "event-driven"
    if not want_watcher:
        api.set_paused(ingest, True)
    # A pause or unpause reaches the watcher at the next parse of the DAG file (~30 s).
    watcher_wait = _until(lambda: (api.watchers(asset) > 0) == want_watcher, 120)
    wake_s = None
    if want_watcher:
        # The watcher's first wake-up after a pause can take minutes (its Kafka consumer has
        # to rejoin its group): one reading, a run it woke, then idle again, before the clock.
        wake_s = _wake(api, settings, contract, ingest, timeout=420)
        idle_wait = _until(lambda: not api.active(ingest) and not api.active(validate), 300)
    producer_id = f"bench-fresh-{secrets.token_hex(4)}"
    trickle = Trickle(settings, contract, producer_id, opts.rate, opts.seconds)
    watch = CuratedWatch(settings, contract, producer_id)
    timetable = Timetable(api, ingest, opts.interval) if mode == "interval" else None
    load_before = os.getloadavg()
    window_start = datetime.now(UTC)
    print(f"  airflow {mode}: {producer_id}, {opts.rate}/s for {opts.seconds:.0f} s", flush=True)
    if timetable:
        timetable.start()
    trickle.start()
    drain_end: float | None = None
    turn, t0 = 0, time.monotonic()
    try:
        while True:
            watch.poll()
            if not trickle.is_alive():
                if drain_end is None:
                    drain_end = time.monotonic() + opts.drain + (opts.interval if timetable else 0)
                    print(f"  airflow {mode}: trickle done, draining", flush=True)
                acked = trickle.acknowledged()
                if set(acked) <= set(watch.seen) or time.monotonic() > drain_end:
                    break
            turn += 1
            time.sleep(max(0.0, t0 + turn * opts.poll - time.monotonic()))
    finally:
        if timetable:
            timetable.stop.set()
            timetable.join(30)
    window_end = datetime.now(UTC)
    latencies, unseen = match(trickle.acknowledged(), watch.seen)
    runs = {dag: api.runs(dag, window_start) for dag in (ingest, validate)}
    tasks = {
        dag: [t for r in rs for t in api.tasks(dag, r["dag_run_id"])] for dag, rs in runs.items()
    }
    out: dict[str, Any] = {
        "mode": mode,
        "producer_id": producer_id,
        "window": [window_start.isoformat(), window_end.isoformat()],
        "rate": opts.rate,
        "seconds": opts.seconds,
        "sent": len(trickle.sent),
        "acknowledged": len(trickle.acknowledged()),
        "send_failures": len(trickle.failed),
        "send_error": trickle.error,
        "seen": len(latencies),
        "seen_in": dict(watch.where),
        "objects": watch.objects,
        "unseen": len(unseen),
        "unseen_seqs_first": unseen[:20],
        **percentiles(latencies),
        "mean_s": statistics.fmean(latencies) if latencies else None,
        "poll_s": opts.poll,
        "list_s_median": _median(watch.list_seconds),
        "list_s_max": max(watch.list_seconds, default=None),
        "watch_errors": watch.errors[:10],
        "watcher_wait_s": watcher_wait,
        "warm_up_wake_s": wake_s,
        "idle_wait_s": idle_wait,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "dags": {dag: run_summary(runs[dag]) | {"tasks": task_summary(tasks[dag])} for dag in runs},
        "runs": {dag: runs[dag] for dag in runs},
    }
    if timetable:
        out["interval_s"] = opts.interval
        out["triggered"] = [asdict(t) for t in timetable.triggered]
        out["unpaused_s"] = timetable.unpaused_seconds
        out["timetable_errors"] = timetable.errors[:10]
    print(f"  airflow {mode}: {line(out)}", flush=True)
    return out


def line(r: dict[str, Any]) -> str:
    """One mode's result in one line."""

    def s(v: float | None) -> str:
        return "–" if v is None else f"{v:.1f} s"

    return (
        f"{r['seen']:,}/{r['acknowledged']:,} seen, p50 {s(r['p50_s'])}, p95 {s(r['p95_s'])}, "
        f"p99 {s(r['p99_s'])}, max {s(r['max_s'])}, unseen {r['unseen']}"
    )


def section(settings: Settings, contract: Contract, opts: Options) -> dict[str, Any]:
    """Every mode in turn; the DAGs' pause state as found is restored at the end."""
    unknown = sorted(set(opts.modes) - set(MODES))
    if unknown:
        raise ValueError(f"unknown mode(s) {', '.join(unknown)}; known: {', '.join(MODES)}")
    api = Api(settings)
    dags = dag_ids(contract)
    if _until(lambda: all(api.paused(d) is not None for d in dags), 180) is None:
        raise RuntimeError(f"Airflow does not know {', '.join(dags)}; is the stack up?")
    found = {d: bool(api.paused(d)) for d in dags}
    modes: dict[str, Any] = {}
    try:
        for mode in opts.modes:
            modes[mode] = run_mode(mode, api, settings, contract, opts)
    finally:
        for dag, paused in found.items():
            api.set_paused(dag, paused)
    return {
        "contract": contract.name,
        "options": asdict(opts) | {"modes": list(opts.modes)},
        "paused_before": found,
        "modes": modes,
    }


def table(result: dict[str, Any]) -> Any:
    """The printed table: one row per mode."""
    from rich.table import Table

    out = Table(
        "mode",
        "readings",
        "seen",
        "p50 s",
        "p95 s",
        "p99 s",
        "max s",
        "unseen",
        "runs ingest/validate",
        "run s ingest/validate (median)",
        title="Freshness through Airflow (send -> curated-visible)",
    )

    def f(v: float | None) -> str:
        return "–" if v is None else f"{v:.1f}"

    for name, r in result["modes"].items():
        ingest, validate = r["dags"].values()
        mode = f"{name} ({r['interval_s']:.0f} s)" if "interval_s" in r else name
        out.add_row(
            mode,
            f"{r['acknowledged']:,}",
            f"{r['seen']:,}",
            f(r["p50_s"]),
            f(r["p95_s"]),
            f(r["p99_s"]),
            f(r["max_s"]),
            str(r["unseen"]),
            f"{ingest['runs']}/{validate['runs']}",
            f"{f(ingest['start_to_end_s_median'])}/{f(validate['start_to_end_s_median'])}",
        )
    return out
