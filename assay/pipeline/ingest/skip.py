"""An operator's way out of a stalled partition: dead-letter an offset range and commit past it.

``assay ingest skip`` runs this when a partition cannot be landed (its ingest fails at the
same offset on every try) and waiting will not help. The range becomes a segment like any
other — a raw object without readings, and a dead-letter object holding every record of the
range whole (its bytes, when Kafka still gives them), reason ``skipped_by_operator``, with
who and why — so ``assay audit`` still balances and nothing vanishes. It is the landing
transaction (`landing`): the raw object is created only if none exists, and the commit is
made only if the group is still at the range's start.
"""

from __future__ import annotations

from urllib.parse import quote

from assay.errors import AssayError
from assay.pipeline import problems
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.deadletter import DeadLetter
from assay.pipeline.ingest.decode import raw_schema
from assay.pipeline.ingest.partition import PartitionLog, operator_letters
from assay.store import layout
from assay.store.objects import ObjectStore
from schemas import Contract, to_arrow_schema


class SkipRefused(AssayError):
    """The range asked for cannot be skipped as it stands; ``problem`` says why."""

    def __init__(self, topic: str, partition: int, start: int, end: int, problem: str) -> None:
        self.topic, self.partition, self.start, self.end = topic, partition, start, end
        self.problem = problem
        super().__init__(f"{topic} partition {partition} offsets {start}-{end}: {problem}")


def skip_range(
    log: PartitionLog,
    store: ObjectStore,
    buckets: landing.Buckets,
    contract: Contract,
    start: int,
    end: int,
    *,
    by: str,
    why: str,
) -> landing.Landed:
    """Dead-letter offsets ``start`` to ``end`` (exclusive) and commit ``end``.

    ``start`` must be where the partition goes on (its committed offset): a skip never
    reaches back over landed data or forward over unlanded data.
    """
    at, committed, high = landing.resume(log, store, buckets.raw, contract)
    refuse = _refusal(at, high, start, end, by, why)
    if not refuse and store.head(buckets.raw, _raw_key(contract, log, start)) is not None:
        refuse = "a segment from this offset is written already: run the ingest to commit it"
    if refuse:
        raise SkipRefused(log.topic, log.partition, start, end, refuse)
    seg = layout.Segment(log.topic, log.partition, start)
    letters = operator_letters(log, start, end, quote(by), quote(why))
    empty = raw_schema(to_arrow_schema(contract)).empty_table()
    built = landing.Built(seg, empty, letters, _meta(contract, seg, end, letters, by, why))
    landed = landing.write(log, store, buckets, contract, built)
    landing.commit(log, committed, landed)
    return landed


def _refusal(at: int, high: int, start: int, end: int, by: str, why: str) -> str:
    if start != at:
        return f"the partition goes on at offset {at}: a skip starts there"
    if not start < end <= high:
        return f"the range must end after {start} and at most at the log end {high}"
    if not by.strip() or not why.strip():
        return "say who skips (--by) and why (--why): both are kept with the dead letters"
    return ""


def _raw_key(contract: Contract, log: PartitionLog, start: int) -> str:
    seg = layout.Segment(log.topic, log.partition, start)
    return layout.raw_key(contract.name, contract.major, seg)


def _meta(
    contract: Contract,
    seg: layout.Segment,
    end: int,
    letters: list[DeadLetter],
    by: str,
    why: str,
) -> dict[str, str]:
    return {
        **landing.segment_meta(contract, seg, end, len(letters), 0, letters),
        "skipped-by": quote(by),
        "skipped-why": quote(why),
        "skipped-at": problems.now_iso(),
    }
