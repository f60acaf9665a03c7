"""Ingest: land one Kafka partition as raw Parquet, exactly once, without a coordinator.

One segment is one transaction:

1. start at the ingest group's committed offset (or the log start);
2. if a raw object for that start already exists, a previous run wrote it and died before
   committing: reuse its recorded end offset, so the re-run rewrites the same bytes;
3. otherwise read up to ``max_records`` records or ``max_bytes`` bytes — a cut that
   depends only on the records — and decode them (bad records become dead letters);
4. write the dead-letter object, then the raw object (its existence marks the segment
   done; a raw object is written even when every record was dead-lettered);
5. commit the end offset, with the segment's name as commit metadata.

A crash anywhere leaves either nothing (the next run starts over) or the objects without
the commit (the next run rewrites them identically and commits).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from assay.pipeline.ingest import deadletter
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.decode import Expect, decode, raw_schema
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import PARQUET, ObjectStore
from assay.store.parquet import to_parquet
from schemas import Contract, to_arrow_schema

# Small enough that landing and validating one segment stays well under 1 GB (bench/README.md,
# "Pipeline": 200k JSON records or 128 MB of frames peaked at 1.1-2.2 GB per task; 24 MB of
# frames, ~170k readings, at 961-998 MB; 16 MB, ~110k readings, at 785-792 MB). JSON segments
# (50k readings, ~11 MB) are cut by count, frames by bytes.
MAX_RECORDS = 50_000
MAX_BYTES = 16 * 1024 * 1024


class PartitionLog(Protocol):
    """One Kafka partition as the lander sees it (the real one is `kafka_log.KafkaPartition`)."""

    topic: str
    partition: int

    def committed(self) -> int | None:
        """The ingest group's committed offset, or None before the first commit."""

    def bounds(self) -> tuple[int, int]:
        """The log start offset and the end offset (next offset to be written)."""

    def read(self, start: int, end: int, max_bytes: int | None) -> tuple[list[Record], int]:
        """Records from ``start`` up to ``end`` (exclusive), stopping once ``max_bytes`` are
        read; with the offset to continue from (``end``, or after the last record read)."""

    def commit(self, offset: int, metadata: str) -> None:
        """Commit ``offset`` as the next one to read."""


class MemoryPartition:
    """A `PartitionLog` in memory, for unit tests: records given up front, commits recorded."""

    def __init__(
        self, records: list[Record], *, topic: str = "", partition: int = 0, low: int = 0
    ) -> None:
        first = records[0] if records else None
        self.topic = topic or (first.topic if first else "")
        self.partition = first.partition if first else partition
        self.records, self.low = records, low
        self.offset: int | None = None
        self.commits: list[tuple[int, str]] = []

    def committed(self) -> int | None:
        return self.offset

    def bounds(self) -> tuple[int, int]:
        return self.low, (self.records[-1].offset + 1) if self.records else self.low

    def read(self, start: int, end: int, max_bytes: int | None) -> tuple[list[Record], int]:
        out, size = [], 0
        for record in (r for r in self.records if start <= r.offset < end):
            out.append(record)
            size += len(record.value or b"")
            if max_bytes is not None and size >= max_bytes:
                return out, record.offset + 1
        return out, end

    def commit(self, offset: int, metadata: str) -> None:
        self.offset = offset
        self.commits.append((offset, metadata))


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


def land_partition(
    log: PartitionLog,
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    *,
    max_records: int = MAX_RECORDS,
    max_bytes: int = MAX_BYTES,
    max_segments: int = 1_000,
    progress: Callable[[Landed], None] | None = None,
) -> list[Landed]:
    """Land segments up to the partition's end as it is now (or ``max_segments`` of them).

    Records that arrive meanwhile are left to the next run: under a steady stream a run
    would otherwise chase the end forever, in segments of the few records that arrived
    while the previous one was written.
    """
    done: list[Landed] = []
    until = log.bounds()[1]
    while len(done) < max_segments:
        landed = land_segment(
            log,
            store,
            buckets,
            contract,
            max_records=max_records,
            max_bytes=max_bytes,
            until=until,
        )
        if landed is None:
            break
        done.append(landed)
        if progress:
            progress(landed)
        if landed.end >= until:
            # Caught up: asking again would only wait out the consumer's fetch (up to 0.5 s).
            break
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
) -> Landed | None:
    """Land the next segment of the partition (not past ``until``); None when nothing is new."""
    low, high = log.bounds()
    if until is not None:
        high = min(high, until)
    committed = log.committed()
    start = max(committed if committed is not None else low, low)
    if start >= high:
        return None
    seg, previous = _landed_before(store, buckets, contract, log, start)
    with _collector_paused():
        if previous:  # written by a run that died before its commit: the same range again
            records, end = log.read(start, int(previous["end-offset"]), None)
        else:
            records, end = log.read(start, min(high, start + max_records), max_bytes)
        landed = _write(store, buckets, contract, seg, records, end, previous is not None)
    log.commit(end, seg.stem)
    return landed


def _landed_before(
    store: ObjectStore, buckets: Buckets, contract: Contract, log: PartitionLog, start: int
) -> tuple[layout.Segment, dict[str, str] | None]:
    """The segment starting at ``start`` and its raw object's metadata if one exists.

    A store written before the current names may hold the object under the old name; the
    segment then keeps that name, so the re-run rewrites it instead of landing it twice.
    """
    seg = layout.Segment(log.topic, log.partition, start)
    for named in (seg, seg.as_legacy()):
        found = store.head(buckets.raw, layout.raw_key(contract.name, contract.major, named))
        if found is not None:
            return named, found
    return seg, None


@contextmanager
def _collector_paused() -> Iterator[None]:
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


def _write(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    seg: layout.Segment,
    records: list[Record],
    end: int,
    recovered: bool,
) -> Landed:
    schema = to_arrow_schema(contract)
    decoded = decode(records, Expect.of(contract))
    table = decoded.table(schema).cast(raw_schema(schema))
    meta = {
        "contract": contract.name,
        "contract-version": contract.version,
        "topic": seg.topic,
        "partition": str(seg.partition),
        "start-offset": str(seg.start),
        "end-offset": str(end),
        "records": str(len(records)),
        "readings": str(table.num_rows),
        "dead-readings": str(decoded.dead_readings),
        **decoded.metadata(),  # fields dropped, times placed in the contract's zone
    }
    if decoded.dead:
        dead_key = layout.deadletter_key(contract.name, contract.major, seg)
        store.put(
            buckets.deadletter,
            dead_key,
            to_parquet(deadletter.to_table(decoded.dead)),
            meta,
            PARQUET,
        )
    raw_key = layout.raw_key(contract.name, contract.major, seg)
    store.put(buckets.raw, raw_key, to_parquet(table, {"assay.segment": seg.stem}), meta, PARQUET)
    return Landed(seg, end, len(records), table.num_rows, decoded.dead_readings, raw_key, recovered)
