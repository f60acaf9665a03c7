"""What keeps a partition from moving on, kept as small JSON objects where an operator finds them.

    Stall             a partition whose next segment failed to land or validate. Written on
                      every failed attempt (the first failure's time kept as ``since``, the
                      attempts counted), deleted once the partition moves on. ``assay status``
                      lists stalls; ``assay ingest skip`` is the way out of an ingest stall.
    Loss              offsets that expired from Kafka before they were landed (retention
                      overtook the committed offset). Written once, never deleted: ``assay
                      audit`` fails on it until an operator acknowledges it.
    SegmentFailed     one partition failed at an offset; transient when its cause is.
    PartitionsFailed  the partitions of one task that failed, raised after every partition of
                      the task was tried (transient only when every failure is).

The times here are wall-clock times of the pipeline's own actions, for people; no object
name or data cut depends on them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from assay.errors import AssayError, StoreError
from assay.store import layout
from assay.store.objects import ObjectStore
from schemas import Contract

JSON = "application/json"


def now_iso() -> str:
    """The current UTC time, to the second, as ISO 8601."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Stall:
    """A partition that could not move on: where, since when, how often, and the last error."""

    contract: str
    stage: str
    partition: int
    offset: int | None
    error: str
    error_type: str
    transient: bool
    since: str
    last: str
    attempts: int

    def dumps(self) -> bytes:
        """The stored form."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=1).encode()

    @classmethod
    def loads(cls, data: bytes) -> Stall:
        """Parse the stored form."""
        return cls(**json.loads(data))


def note_stall(
    store: ObjectStore,
    bucket: str,
    contract: Contract,
    stage: str,
    partition: int,
    offset: int | None,
    error: BaseException,
    *,
    at: str | None = None,
) -> Stall:
    """Record one failed attempt; a failure at the offset already stalled counts one more."""
    key = layout.stall_key(contract.name, contract.major, stage, partition)
    at = at or now_iso()
    before = _read_stall(store, bucket, key)
    same = before is not None and before.offset == offset
    stall = Stall(
        contract=contract.name,
        stage=stage,
        partition=partition,
        offset=offset,
        error=str(error)[:2000],
        error_type=type(error).__name__,
        transient=bool(getattr(error, "transient", False)),
        since=before.since if before and same else at,
        last=at,
        attempts=before.attempts + 1 if before and same else 1,
    )
    store.put(bucket, key, stall.dumps(), content_type=JSON)
    return stall


def _read_stall(store: ObjectStore, bucket: str, key: str) -> Stall | None:
    try:
        return Stall.loads(store.get(bucket, key))
    except StoreError as exc:
        if exc.missing:
            return None
        raise


def clear_stall(
    store: ObjectStore, bucket: str, contract: Contract, stage: str, partition: int
) -> None:
    """The partition moved on: its stall record goes."""
    store.delete(bucket, layout.stall_key(contract.name, contract.major, stage, partition))


def stalls(
    store: ObjectStore, bucket: str, contract: Contract, stage: str | None = None
) -> list[Stall]:
    """The contract's stall records (of one stage, or all), by stage and partition."""
    prefix = layout.stalls_prefix(contract.name, contract.major) + (f"{stage}/" if stage else "")
    found = [Stall.loads(store.get(bucket, key)) for key in store.keys(bucket, prefix)]
    return sorted(found, key=lambda s: (s.stage, s.partition))


@dataclass(frozen=True)
class Loss:
    """Offsets ``start`` to ``end`` (exclusive) of a partition expired before they were landed."""

    contract: str
    topic: str
    partition: int
    start: int
    end: int
    log_start: int
    committed: int | None
    detected: str
    acknowledged_by: str = ""
    acknowledged_why: str = ""
    acknowledged_at: str = ""
    kind: str = "retention_loss"  # says what the JSON object is to whoever finds it

    @property
    def offsets(self) -> int:
        """How many offsets were lost (records, unless the topic is compacted)."""
        return self.end - self.start

    @property
    def acknowledged(self) -> bool:
        """True once an operator has said who accepts the loss and why."""
        return bool(self.acknowledged_by)

    def dumps(self) -> bytes:
        """The stored form."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=1).encode()

    @classmethod
    def loads(cls, data: bytes) -> Loss:
        """Parse the stored form."""
        return cls(**json.loads(data))


def record_loss(store: ObjectStore, bucket: str, contract: Contract, loss: Loss) -> bool:
    """Write the loss record once (a second detection of the same range keeps the first)."""
    key = layout.loss_key(contract.name, contract.major, loss.partition, loss.start)
    return store.create(bucket, key, loss.dumps(), content_type=JSON)


def losses(
    store: ObjectStore, bucket: str, contract: Contract, partition: int | None = None
) -> list[Loss]:
    """The contract's loss records (of one partition, or all), in offset order."""
    prefix = layout.losses_prefix(contract.name, contract.major)
    if partition is not None:
        prefix += f"partition={partition}/"
    found = [Loss.loads(store.get(bucket, k)) for k in store.keys(bucket, prefix)]
    return sorted(found, key=lambda x: (x.partition, x.start))


def acknowledge_loss(
    store: ObjectStore, bucket: str, contract: Contract, loss: Loss, by: str, why: str
) -> Loss:
    """Record who accepts a loss and why; the audit then counts it instead of failing on it."""
    done = replace(loss, acknowledged_by=by, acknowledged_why=why, acknowledged_at=now_iso())
    key = layout.loss_key(contract.name, contract.major, loss.partition, loss.start)
    store.put(bucket, key, done.dumps(), content_type=JSON)
    return done


class SegmentFailed(AssayError):
    """Landing or validating a partition failed at ``offset`` (None: before it was known);
    ``cause`` says why, and whether a retry may help (``transient``)."""

    def __init__(self, topic: str, partition: int, offset: int | None, cause: Exception) -> None:
        self.topic, self.partition, self.offset, self.cause = topic, partition, offset, cause
        self.transient = bool(getattr(cause, "transient", False))
        at = f"offset {offset}" if offset is not None else "its start"
        super().__init__(f"{topic} partition {partition} at {at}: {type(cause).__name__}: {cause}")


class PartitionsFailed(AssayError):
    """Some partitions of a task failed; the others were done. ``failures`` by partition."""

    def __init__(self, contract: str, stage: str, failures: dict[int, BaseException]) -> None:
        self.contract, self.stage, self.failures = contract, stage, dict(failures)
        self.transient = all(getattr(e, "transient", False) for e in failures.values())
        each = "; ".join(f"partition {p}: {e}" for p, e in sorted(failures.items()))
        super().__init__(f"{contract} {stage}: {len(failures)} partition(s) failed: {each}")
