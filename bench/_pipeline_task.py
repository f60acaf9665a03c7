"""One pipeline task of the benchmark, in its own process: land (and validate) one partition.

Cases, all reading the same partition through assay's own `KafkaPartition` in the same
bounded segments (``max_records`` / ``max_bytes``, the landing defaults):

* ``assay``   — `land_partition` then `validate_segment` for every landed segment, as the
  ingest and validate DAG tasks do (dead letters, provenance, dedup, GX, curated, quarantine,
  reports), on the real S3 server;
* ``raw``     — the raw-copy baseline: offsets, timestamps, keys and values as a binary
  column, written as the same zstd Parquet, no decoding, no validation (what Kafka
  Connect's S3 sink does with a byte-array format);
* ``pyarrow`` — pyarrow alone: values joined with newlines and read by ``pyarrow.json``
  against the contract's schema (frames: ``pyarrow.ipc`` per message), then the same
  Parquet write; no dead-letter bisecting, no provenance, no validation.

The peers land each segment with the cycle collector paused, as landing does.

Phases are timed by wrapping the log, the store and the functions the pipeline calls
(self time: a phase's time excludes the phases inside it). With ``--wait`` the process
imports everything and warms Great Expectations first, prints ``ready`` and starts on a
line from stdin, so that several tasks start together and imports are not timed. Prints
one JSON line: timings, phases (wall and CPU), readings, and peak RSS (the process's own
``VmHWM``) after landing and at the end.

    python -m bench._pipeline_task --help
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from assay.config import ROOT, Settings, load_settings
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import MAX_BYTES, MAX_RECORDS
from schemas import Contract, load_contract


class Phases:
    """Self time per named phase, wall and CPU; nested phases are subtracted from the enclosing one.

    CPU time (``process_time``) is the figure to read on a shared machine: a phase that waits
    for a core is longer in wall time, not in CPU time.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self._stack: list[list[float]] = []  # child (wall, CPU) time of each open phase

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self._stack.append([0.0, 0.0])
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            elapsed, used = time.perf_counter() - start, time.process_time() - cpu
            children = self._stack.pop()
            self.seconds[name] = self.seconds.get(name, 0.0) + elapsed - children[0]
            self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + used - children[1]
            if self._stack:
                self._stack[-1][0] += elapsed
                self._stack[-1][1] += used

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` timed as ``name``."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self(name):
                return func(*args, **kwargs)

        return timed


class TimedLog:
    """A `PartitionLog` whose calls are timed."""

    def __init__(self, log: Any, phases: Phases) -> None:
        self.topic, self.partition = log.topic, log.partition
        self.read = phases.wrap("kafka read", log.read)
        self.bounds = phases.wrap("kafka offsets+commit", log.bounds)
        self.committed = phases.wrap("kafka offsets+commit", log.committed)
        self.commit = phases.wrap("kafka offsets+commit", log.commit)


class TimedStore:
    """An `ObjectStore` whose calls are timed."""

    def __init__(self, store: Any, phases: Phases) -> None:
        self.put = phases.wrap("s3 put", store.put)
        self.create = phases.wrap("s3 put", store.create)
        self.delete = phases.wrap("s3 put", store.delete)
        self.get = phases.wrap("s3 get", store.get)
        self.head = phases.wrap("s3 head+list", store.head)
        self.keys = phases.wrap("s3 head+list", store.keys)


def instrument(phases: Phases) -> None:
    """Time what landing and curation call, where they call it."""
    import validators
    from assay.pipeline.ingest import landing
    from assay.pipeline.validate import curation, outputs
    from validators import _grouped, _validate

    landing.decode = phases.wrap("decode", landing.decode)
    landing.to_parquet = phases.wrap("parquet write", landing.to_parquet)
    curation.to_parquet = phases.wrap("parquet write", curation.to_parquet)
    outputs.to_parquet = phases.wrap("parquet write", outputs.to_parquet)
    curation.from_parquet = phases.wrap("parquet read", curation.from_parquet)
    curation.drop_duplicates = phases.wrap("dedup", curation.drop_duplicates)
    _validate.run_suite = phases.wrap("validate: GX run_suite", _validate.run_suite)
    _grouped.run_suite = phases.wrap("validate: GX run_suite", _grouped.run_suite)
    _grouped.run_pass = phases.wrap("validate: GX run_suite", _grouped.run_pass)
    rest = "validate: conform, derive, split, scores, docs"
    validators.validate_table = phases.wrap(rest, validators.validate_table)
    validators.validate_tables = phases.wrap(rest, validators.validate_tables)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench._pipeline_task", description=__doc__)
    parser.add_argument("--case", choices=["assay", "raw", "pyarrow"], required=True)
    parser.add_argument("--contract", default="energy_meter")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--partition", type=int, default=0)
    parser.add_argument("--group", required=True)
    parser.add_argument("--buckets", type=json.loads, required=True, help="JSON: role -> bucket")
    parser.add_argument("--max-records", type=int, default=MAX_RECORDS)
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES)
    parser.add_argument("--wait", action="store_true", help="print ready, start on a stdin line")
    parser.add_argument("--profile", help="write a pyinstrument text profile here")
    return parser.parse_args(argv)


def run_assay(args: argparse.Namespace, log: Any, store: Any, contract: Contract) -> dict:
    """Ingest, then validate every landed segment, as the two DAG tasks do."""
    from assay.pipeline.ingest import landing
    from assay.pipeline.validate import curation

    b = args.buckets
    landed = landing.land_partition(
        log,
        store,
        landing.Buckets(raw=b["raw"], deadletter=b["deadletter"]),
        contract,
        max_records=args.max_records,
        max_bytes=args.max_bytes,
    )
    rss_ingest = _maxrss_mb()
    buckets = curation.Buckets(
        raw=b["raw"], curated=b["curated"], quarantine=b["quarantine"], reports=b["reports"]
    )
    summaries = curation.validate_pending(store, buckets, contract, args.partition)
    return {
        "segments": len(landed),
        "records": sum(x.records for x in landed),
        "readings": sum(x.readings + x.dead_readings for x in landed),
        "dead_readings": sum(x.dead_readings for x in landed),
        "curated": sum(s.curated for s in summaries),
        "quarantined": sum(s.quarantined for s in summaries),
        "duplicates": sum(s.duplicates for s in summaries),
        "warnings": sum(s.warnings for s in summaries),
        "maxrss_ingest_mb": rss_ingest,
    }


def run_copy(args: argparse.Namespace, log: Any, store: Any, contract: Contract) -> dict:
    """The raw-copy baseline or the pyarrow-alone peer: read, convert, write, commit."""
    from assay.pipeline.ingest.landing import collector_paused
    from assay.store.layout import Segment
    from assay.store.parquet import to_parquet
    from schemas import to_arrow_schema, wire

    convert = _raw_table if args.case == "raw" else _pyarrow_table
    schema = to_arrow_schema(contract)
    low, high = log.bounds()
    start = max(log.committed() or low, low)
    segments = records = readings = 0
    while start < high:
        # Landing's own pause of the cycle collector, so the peers get its advantage too: left
        # on, it walks a segment's 50k records again and again as they pile up, and the raw
        # copy's Kafka read cost 1.6-1.9x as much (bench/README.md, "Peers on equal terms").
        with collector_paused():
            batch, end = log.read(start, min(high, start + args.max_records), args.max_bytes)
            table = convert(batch, schema, args.phases)
            carried = sum(int(r.header(wire.HEADER_COUNT) or 1) for r in batch)  # frames: many
            size = len(batch)
            del batch  # gone before the collector runs again, as landing drops its records
            with args.phases("parquet write"):
                data = to_parquet(table)
            name = Segment(log.topic, log.partition, start).stem
            store.put(args.buckets["raw"], f"{name}.parquet", data)
        log.commit(end, str(start))
        segments, records, readings = segments + 1, records + size, readings + carried
        start = end
    return {"segments": segments, "records": records, "readings": readings}


def _raw_table(batch: list[Record], schema: Any, phases: Phases) -> Any:
    import pyarrow as pa

    with phases("decode"):
        return pa.table(
            {
                "offset": pa.array([r.offset for r in batch], pa.int64()),
                "timestamp": pa.array([r.timestamp for r in batch], pa.timestamp("ms", tz="UTC")),
                "key": pa.array([r.key for r in batch], pa.binary()),
                "value": pa.array([r.value for r in batch], pa.binary()),
            }
        )


def _pyarrow_table(batch: list[Record], schema: Any, phases: Phases) -> Any:
    import pyarrow as pa
    import pyarrow.json as pj

    from assay.pipeline.ingest.decode import parse_schema
    from assay.store.parquet import arrow_owned
    from schemas import wire

    with phases("decode"):
        if batch and batch[0].header(wire.HEADER_CONTENT_TYPE) == wire.ARROW_STREAM:
            tables = [pa.ipc.open_stream(r.value).read_all() for r in batch]
            return pa.concat_tables(tables).cast(parse_schema(schema))
        block = arrow_owned(b"\n".join(r.value or b"" for r in batch))  # as assay's reader
        options = pj.ParseOptions(explicit_schema=parse_schema(schema))
        read = pj.ReadOptions(block_size=1 << 22)
        return pj.read_json(pa.BufferReader(block), read_options=read, parse_options=options)


def warm_up(case: str, contract: Contract) -> None:
    """Pay one-off costs before the clock: the time-zone database (pyarrow loads it on the
    first UTC timestamp, ~1 s), and for assay Great Expectations' import and first run with
    its Data Docs (compiling the page's Jinja templates, ~0.2 s once per process).

    Then what the process holds is left out of cycle collections (``gc.freeze``), for every
    case alike: a pipeline task is forked from an Airflow worker that froze its heap before
    the fork (the LocalExecutor's ``_spawn_workers_with_gc_freeze``, after the warm executor
    imported Great Expectations and the rest), so its collections never walk those modules.
    Unfrozen, each full collection here walked them all (0.15-0.2 s, one or two per task).
    """
    import pyarrow as pa

    pa.array([0], pa.timestamp("ms", tz="UTC")).cast(pa.string())
    if case == "assay":
        from validators import sample_table, validate_table

        validate_table(contract, sample_table(contract, 10))
    gc.freeze()


def _maxrss_mb() -> float:
    """This process's peak resident memory, in MiB.

    Linux keeps ``ru_maxrss`` across ``execve``, so a task spawned by a parent that once held
    a large backlog would report the parent's peak; ``VmHWM`` belongs to the process's own
    address space, which starts anew with the exec.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def execute(args: argparse.Namespace, settings: Settings, contract: Contract) -> dict:
    """Run the case, timed, and return what it did."""
    from assay.pipeline.ingest.consumer import KafkaPartition
    from assay.store.objects import S3Store

    phases = args.phases = Phases()
    if args.case == "assay":
        instrument(phases)  # once per process: one run per process
    store = TimedStore(S3Store(settings), phases)
    runner = run_assay if args.case == "assay" else run_copy
    with KafkaPartition(settings, args.topic, args.partition, args.group) as kafka:
        kafka.bounds(), kafka.committed()  # connect and find the coordinator before the clock
        log = TimedLog(kafka, phases)
        started, wall, cpu = time.time(), time.perf_counter(), time.process_time()
        with phases("other"):
            out = runner(args, log, store, contract)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return out | {
        "case": args.case,
        "partition": args.partition,
        "started": started,
        "seconds": wall,
        "cpu_seconds": cpu,
        "phases": phases.seconds,
        "cpu_phases": phases.cpu_seconds,
        "maxrss_mb": _maxrss_mb(),
    }


def main(argv: list[str] | None = None) -> None:
    """Prepare, optionally wait for the go line, run, print one JSON line."""
    args = parse_args(argv)
    # The benchmark makes and reads buckets of its own, which no role's policy names: root.
    settings, contract = load_settings().as_role(ROOT), load_contract(args.contract)
    warm_up(args.case, contract)
    if args.wait:
        print("ready", flush=True)
        sys.stdin.readline()
    profiler = _profiler(args.profile)
    out = execute(args, settings, contract)
    if profiler is not None:
        profiler.stop()
        with open(args.profile, "w", encoding="utf-8") as fh:
            fh.write(profiler.output_text(unicode=True, color=False, show_all=False))
    print(json.dumps(out), flush=True)


def _profiler(path: str | None) -> Any:
    if not path:
        return None
    from pyinstrument import Profiler  # only with `uv run --with pyinstrument`

    profiler = Profiler(interval=0.005)
    profiler.start()
    return profiler


if __name__ == "__main__":
    main()
