"""Where a partition goes on, and the only way its offset moves: a checked commit.

Landing (`landing`) and an operator's skip (`skip`) both start from `resume`: the ingest
group's committed offset, or — where the group has none — the partition's last raw object
or the end of its last loss record. Offsets that Kafka's retention deleted before they
were landed are recorded as a loss (`problems.Loss`) and committed past, never skipped
silently. Every commit first checks that the group is still where this run found it, so
two runs of one partition never commit backwards or over each other (`Overtaken`).
"""

from __future__ import annotations

from assay.errors import AssayError
from assay.pipeline import problems
from assay.pipeline.ingest.partition import PartitionLog
from assay.store import layout
from assay.store.objects import ObjectStore
from schemas import Contract


class Overtaken(AssayError):
    """Another run moved the group's committed offset while this one landed a segment."""

    def __init__(self, topic: str, partition: int, expected: int | None, found: int | None) -> None:
        self.topic, self.partition, self.expected, self.found = topic, partition, expected, found
        super().__init__(
            f"{topic} partition {partition}: committed offset is {found}, not {expected} as "
            "read: another ingest moved it; this one stops without committing"
        )


def resume(
    log: PartitionLog, store: ObjectStore, raw: str, contract: Contract
) -> tuple[int, int | None, int]:
    """Where the partition goes on, the committed offset that was read, and the log end.

    Offsets that expired before they were landed are recorded as a loss and committed past.
    """
    low, high = log.bounds()
    committed = log.committed()
    start = committed if committed is not None else _left_at(store, raw, contract, log)
    if committed is None and start and not _written(store, raw, contract, log, start):
        checked_commit(log, None, start, "resumed after a recorded loss")  # the group forgot
        committed = start
    if start < low and not _written(store, raw, contract, log, start):
        loss = problems.Loss(
            contract=contract.name,
            topic=log.topic,
            partition=log.partition,
            start=start,
            end=low,
            log_start=low,
            committed=committed,
            detected=problems.now_iso(),
        )
        problems.record_loss(store, raw, contract, loss)
        checked_commit(log, committed, low, f"retention-loss {start}-{low}")
        start, committed = low, low
    return start, committed, high


def _written(
    store: ObjectStore, raw: str, contract: Contract, log: PartitionLog, start: int
) -> bool:
    """True if a raw object from ``start`` exists: landed, only not committed (no loss)."""
    seg = layout.Segment(log.topic, log.partition, start)
    return any(
        store.head(raw, layout.raw_key(contract.name, contract.major, named)) is not None
        for named in (seg, seg.as_legacy())
    )


def _left_at(store: ObjectStore, raw: str, contract: Contract, log: PartitionLog) -> int:
    """Where a partition without a committed offset goes on: at its last raw object (adopted
    again, so dead letters a crash left unwritten are repaired), after its last loss record,
    or at 0."""
    prefix = layout.partition_prefix(contract.name, contract.major, log.partition)
    keys = [k for k in store.keys(raw, prefix) if k.endswith(".parquet")]
    last = max((layout.Segment.parse(k).start for k in keys), default=0)
    lost = [x.end for x in problems.losses(store, raw, contract, log.partition)]
    return max([last, *lost])


def checked_commit(log: PartitionLog, expected: int | None, offset: int, metadata: str) -> None:
    """Commit ``offset`` if the group's committed offset is still ``expected``, else raise
    `Overtaken` (another run moved it) and commit nothing."""
    found = log.committed()
    if found != expected:
        raise Overtaken(log.topic, log.partition, expected, found)
    log.commit(offset, metadata)
