"""Ingest: land one Kafka partition as raw Parquet, exactly once, without a coordinator.

One segment is one transaction:

1. start where the partition was left: the ingest group's committed offset; where the group
   has none (never committed, or its offsets expired), the last raw object (adopted again in
   3) or the end of the last loss record, else 0 (`offsets.resume`);
2. if Kafka's log start has passed that offset, retention deleted records before they were
   landed: create a loss record for the range (`problems.Loss`) and commit the log start —
   reported, never skipped silently;
3. if a raw object for the start exists, another run wrote it (one that died before its
   commit, or one running now): adopt it — its recorded end, not overwritten;
4. otherwise read up to ``max_records`` records or ``max_bytes`` bytes — a cut that depends
   only on the records — and decode them (bad records become dead letters);
5. create the raw object with ``If-None-Match: *``: of two runs racing for one start, one
   creates it and the other adopts it (3). Then the dead-letter object: written by the
   creator, or by an adopter that finds it missing (decoding is deterministic: same bytes);
   then the segment's seq runs per producer (`seqruns`, for the ledger), the same way;
6. commit the end offset, with the segment's name as metadata — only if the group's
   committed offset is still the one read in (1). A run that finds another has moved it
   stops the partition cleanly (`Overtaken`): it never commits backwards or over a range.

A crash anywhere leaves either nothing (the next run starts over) or the raw object without
the commit (the next run adopts it, repairs the dead letters and seq runs if they are
missing, commits).
Raw objects therefore tile the offsets: no gap that is not a recorded loss, no overlap.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyarrow as pa

from assay.pipeline.ingest import deadletter, seqruns
from assay.pipeline.ingest.deadletter import DeadLetter, Record
from assay.pipeline.ingest.decode import Expect, decode, raw_schema
from assay.pipeline.ingest.offsets import Overtaken, checked_commit, resume
from assay.pipeline.ingest.partition import MemoryPartition, PartitionLog, operator_letters
from assay.pipeline.problems import SegmentFailed
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import PARQUET, ObjectStore
from assay.store.parquet import to_parquet
from schemas import Contract, to_arrow_schema
from schemas.signature import KeyLookup

__all__ = [  # some live in .partition and .offsets; all are importable from here
    "MAX_BYTES",
    "MAX_RECORDS",
    "Buckets",
    "Built",
    "Landed",
    "MemoryPartition",
    "Overtaken",
    "PartitionLog",
    "SegmentFailed",
    "adopt",
    "build",
    "collector_paused",
    "commit",
    "land_partition",
    "land_segment",
    "resume",
    "write",
]

# Small enough that landing and validating one segment stays under 1 GB per task, large enough
# that validation's fixed cost per segment is spread (bench/README.md, "Whole columns for
# identity and dedup; segments of 24 MB"): 10M readings as frames (~165k a segment) peaked at
# 688 MB, 10M JSON readings (50k a segment) at 892 MB; 16 MB cost 20-25% more CPU per reading,
# 40 MB no less (and ~100 MB more memory: "Levers measured and left").
# JSON segments (50k readings, ~24 MB) are cut by count or bytes, frames by bytes.
MAX_RECORDS = 50_000
MAX_BYTES = 24 * 1024 * 1024


@dataclass(frozen=True)
class Landed:
    """One landed segment."""

    segment: layout.Segment
    end: int
    records: int
    readings: int
    dead_readings: int
    raw_key: str
    recovered: bool

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form (Airflow passes it between tasks)."""
        return {
            "stem": self.segment.stem,
            "end": self.end,
            "records": self.records,
            "readings": self.readings,
            "dead_readings": self.dead_readings,
            "raw_key": self.raw_key,
            "recovered": self.recovered,
        }


@dataclass(frozen=True)
class Built:
    """A segment ready to write: the raw table, its dead letters and the object metadata."""

    segment: layout.Segment
    table: pa.Table
    letters: list[DeadLetter]
    meta: dict[str, str]


def land_partition(
    log: PartitionLog,
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    *,
    max_records: int = MAX_RECORDS,
    max_bytes: int = MAX_BYTES,
    max_segments: int = 1_000,
    deadline: float | None = None,
    progress: Callable[[Landed], None] | None = None,
    keys: KeyLookup | None = None,
) -> list[Landed]:
    """Land segments up to the partition's end as it is now (or ``max_segments`` of them, or
    until ``time.monotonic()`` passes ``deadline``); a failure is a `SegmentFailed`.

    Records that arrive meanwhile are left to the next run: under a steady stream a run
    would otherwise chase the end forever, in segments of the few records that arrived
    while the previous one was written. A run overtaken by another stops (`Overtaken`).
    ``keys`` gives each signer's key, to check the records' signatures (`decode`).
    """
    done: list[Landed] = []
    try:
        until = log.bounds()[1]
        while len(done) < max_segments and (deadline is None or time.monotonic() < deadline):
            landed = land_segment(
                log,
                store,
                buckets,
                contract,
                max_records=max_records,
                max_bytes=max_bytes,
                until=until,
                keys=keys,
            )
            if landed is None:
                break
            done.append(landed)
            if progress:
                progress(landed)
            if landed.end >= until:
                # Caught up: asking again would only wait out the consumer's fetch (up to 0.5 s).
                break
    except Overtaken:
        return done
    except SegmentFailed:
        raise
    except Exception as exc:
        raise SegmentFailed(log.topic, log.partition, done[-1].end if done else None, exc) from exc
    return done


def land_segment(
    log: PartitionLog,
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    *,
    max_records: int = MAX_RECORDS,
    max_bytes: int = MAX_BYTES,
    until: int | None = None,
    keys: KeyLookup | None = None,
) -> Landed | None:
    """Land the next segment of the partition (not past ``until``); None when nothing is new."""
    try:
        start, committed, high = resume(log, store, buckets.raw, contract)
    except Overtaken:
        raise
    except Exception as exc:
        raise SegmentFailed(log.topic, log.partition, None, exc) from exc
    if until is not None:
        high = min(high, until)
    if start >= high:
        return None
    seg = layout.Segment(log.topic, log.partition, start)
    try:
        end = min(high, start + max_records)
        landed = _land(log, store, buckets, contract, seg, end, max_bytes, keys)
        commit(log, committed, landed)
    except Overtaken:
        raise
    except Exception as exc:
        raise SegmentFailed(log.topic, log.partition, start, exc) from exc
    return landed


def commit(log: PartitionLog, committed: int | None, landed: Landed) -> None:
    """Commit past a landed segment, if the group is still where this run found it."""
    checked_commit(log, committed, landed.end, landed.segment.stem)


def _land(
    log: PartitionLog,
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    seg: layout.Segment,
    end: int,
    max_bytes: int,
    keys: KeyLookup | None = None,
) -> Landed:
    seg, meta = _landed_before(store, buckets, contract, seg)
    if meta is not None:  # written by a run that died before its commit, or is running now
        return adopt(log, store, buckets, contract, seg, meta)
    with collector_paused():
        records, end = log.read(seg.start, end, max_bytes)
        built = build(contract, seg, records, end, keys)
        del records  # gone before the collector runs again, or its first pass walks them all
        return write(log, store, buckets, contract, built)


def _landed_before(
    store: ObjectStore, buckets: Buckets, contract: Contract, seg: layout.Segment
) -> tuple[layout.Segment, dict[str, str] | None]:
    """The segment starting at ``seg.start`` and its raw object's metadata if one exists.

    A store written before the current names may hold the object under the old name; the
    segment then keeps that name, so the re-run adopts it instead of landing it twice.
    """
    for named in (seg, seg.as_legacy()):
        found = store.head(buckets.raw, layout.raw_key(contract.name, contract.major, named))
        if found is not None:
            return named, found
    return seg, None


def build(
    contract: Contract,
    seg: layout.Segment,
    records: list[Record],
    end: int,
    keys: KeyLookup | None = None,
) -> Built:
    """Decode a segment's records into its raw table, dead letters and metadata."""
    schema = to_arrow_schema(contract)
    decoded = decode(records, Expect.of(contract, keys))
    table = decoded.table(schema).cast(raw_schema(schema))
    meta = segment_meta(contract, seg, end, len(records), table.num_rows, decoded.dead)
    meta |= decoded.metadata()  # fields dropped, times placed in the contract's zone
    return Built(seg, table, decoded.dead, meta)


def segment_meta(
    contract: Contract,
    seg: layout.Segment,
    end: int,
    records: int,
    readings: int,
    letters: list[DeadLetter],
) -> dict[str, str]:
    """A raw object's metadata: its offsets and counts, which the audit and retention read."""
    return {
        "contract": contract.name,
        "contract-version": contract.version,
        "topic": seg.topic,
        "partition": str(seg.partition),
        "start-offset": str(seg.start),
        "end-offset": str(end),
        "records": str(records),
        "readings": str(readings),
        "dead-readings": str(sum(letter.readings for letter in letters)),
        "dead-letters": str(len(letters)),
    }


def write(
    log: PartitionLog, store: ObjectStore, buckets: Buckets, contract: Contract, built: Built
) -> Landed:
    """Create the raw object (or adopt the one another run created), then the dead letters."""
    seg = built.segment
    key = layout.raw_key(contract.name, contract.major, seg)
    data = to_parquet(built.table, {"assay.segment": seg.stem})
    if not store.create(buckets.raw, key, data, built.meta, PARQUET):
        return adopt(log, store, buckets, contract, seg, store.head(buckets.raw, key) or {})
    if built.letters:
        _put_letters(store, buckets, contract, seg, built.letters, built.meta)
    runs = seqruns.of_segment(seg.stem, built.table, seqruns.of_letters(built.letters))
    seqruns.save(store, buckets.reports, contract, runs)
    return _landed(seg, key, built.meta, recovered=False)


def adopt(
    log: PartitionLog,
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    seg: layout.Segment,
    meta: dict[str, str],
) -> Landed:
    """Take a raw object another run created as this run's segment; repair missing dead letters
    and seq runs."""
    key = layout.raw_key(contract.name, contract.major, seg)
    dead = int(meta.get("dead-letters", meta.get("dead-readings", 0)))
    dead_key = layout.deadletter_key(contract.name, contract.major, seg)
    if dead and store.head(buckets.deadletter, dead_key) is None:
        with collector_paused():
            letters = _letters_again(log, contract, seg, meta)
        _put_letters(store, buckets, contract, seg, letters, meta)
    seqruns.ensure(store, buckets, contract, seg)
    return _landed(seg, key, meta, recovered=True)


def _letters_again(
    log: PartitionLog, contract: Contract, seg: layout.Segment, meta: dict[str, str]
) -> list[DeadLetter]:
    """The dead letters of a written segment, made again from its records."""
    end = int(meta["end-offset"])
    if meta.get("skipped-by"):  # an operator's skip: every record, with who and why
        return operator_letters(log, seg.start, end, meta["skipped-by"], meta["skipped-why"])
    records, _ = log.read(seg.start, end, None)
    return build(contract, seg, records, end).letters


def _put_letters(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    seg: layout.Segment,
    letters: list[DeadLetter],
    meta: dict[str, str],
) -> None:
    dead_key = layout.deadletter_key(contract.name, contract.major, seg)
    store.put(buckets.deadletter, dead_key, to_parquet(deadletter.to_table(letters)), meta, PARQUET)


def _landed(seg: layout.Segment, key: str, meta: dict[str, str], *, recovered: bool) -> Landed:
    return Landed(
        seg,
        int(meta["end-offset"]),
        int(meta["records"]),
        int(meta["readings"]),
        int(meta["dead-readings"]),
        key,
        recovered,
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a segment is read, decoded and written.

    A JSON segment is 50k records, each a few objects that all live until the segment is
    written; the collector would walk them again and again as they pile up (a third of the
    Kafka read's CPU) and find nothing: this code makes no cycles. It runs again afterwards.
    """
    if not gc.isenabled():  # the caller's choice; leave it
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
