"""One partition never blocks another: failures are recorded as stalls, the others go on,
the task fails after trying them all, and the error is decided once at the Airflow boundary."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from hypothesis import given
from hypothesis import strategies as st

from assay.errors import KafkaUnavailable, StoreError
from assay.pipeline import problems
from assay.pipeline.airflow import dags
from assay.pipeline.airflow.tasks import each_partition, plan_units
from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.landing import Buckets, MemoryPartition, land_partition
from assay.pipeline.problems import PartitionsFailed, SegmentFailed
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import TOPIC, reading, record

LAND = Buckets(raw="raw", deadletter="dead")


class Poisoned(MemoryPartition):
    """Reading the poisoned offset raises, as a decoder bug would, on every try."""

    poison = 5

    def read(self, start: int, end: int, max_bytes: int | None) -> tuple[list[Record], int]:
        if start <= self.poison < end:
            raise ValueError(f"cannot handle offset {self.poison}")
        return super().read(start, end, max_bytes)


def logs() -> dict[int, MemoryPartition]:
    made: dict[int, MemoryPartition] = {}
    for p in (0, 1, 2):
        kind = Poisoned if p == 1 else MemoryPartition
        made[p] = kind([record(i, reading(i), partition=p) for i in range(12)], topic=TOPIC)
    return made


def run(store: MemoryStore, energy: Contract, parts: dict[int, MemoryPartition]) -> Any:
    def work(p: int) -> list[Any]:
        return land_partition(parts[p], store, LAND, energy, max_records=5)

    return each_partition(store, "rep", energy, "ingest", [0, 1, 2], work)


def test_a_poisoned_partition_is_stalled_and_the_others_of_its_unit_land(energy: Contract) -> None:
    store, parts = MemoryStore(), logs()
    with pytest.raises(PartitionsFailed) as failed:
        run(store, energy, parts)
    assert set(failed.value.failures) == {1} and not failed.value.transient
    assert (parts[0].committed(), parts[1].committed(), parts[2].committed()) == (12, 5, 12)
    (stall,) = problems.stalls(store, "rep", energy)
    assert (stall.stage, stall.partition, stall.offset, stall.attempts) == ("ingest", 1, 5, 1)
    assert stall.error_type == "SegmentFailed" and "cannot handle offset 5" in stall.error
    with pytest.raises(PartitionsFailed):
        run(store, energy, parts)
    (again,) = problems.stalls(store, "rep", energy)
    assert (again.attempts, again.since) == (2, stall.since)


def test_a_stall_is_cleared_once_the_partition_moves_on(energy: Contract) -> None:
    store, parts = MemoryStore(), logs()
    with pytest.raises(PartitionsFailed):
        run(store, energy, parts)
    parts[1].poison = -1  # the decoder was fixed
    landed = run(store, energy, parts)
    assert [x.segment.partition for x in landed] == [1, 1]
    assert problems.stalls(store, "rep", energy) == []


def test_a_task_whose_failures_are_all_transient_is_retried(energy: Contract) -> None:
    def work(p: int) -> list[int]:
        if p:
            raise SegmentFailed(TOPIC, p, 0, KafkaUnavailable(TOPIC, "broker restarting"))
        return [p]

    with pytest.raises(PartitionsFailed) as failed:
        each_partition(MemoryStore(), "rep", energy, "ingest", [0, 1, 2], work)
    assert failed.value.transient and set(failed.value.failures) == {1, 2}


def test_a_stall_that_cannot_be_written_does_not_hide_the_failure(energy: Contract) -> None:
    class Down(MemoryStore):
        def put(self, bucket: str, key: str, *args: Any, **kwargs: Any) -> None:
            raise StoreError(bucket, key, "connection refused", transient=True)

    def work(p: int) -> list[int]:
        raise SegmentFailed(TOPIC, p, 0, StoreError("raw", "k", "refused", transient=True))

    with pytest.raises(PartitionsFailed) as failed:
        each_partition(Down(), "rep", energy, "ingest", [3], work)
    assert failed.value.transient


@given(
    pending=st.dictionaries(st.integers(0, 11), st.integers(0, 200), max_size=12),
    stalled=st.sets(st.integers(0, 11), max_size=4),
)
def test_a_stalled_partition_never_shares_a_task(
    pending: dict[int, int], stalled: set[int]
) -> None:
    units = plan_units(pending, stalled, alone=100)
    for unit in units:
        assert len(unit) == 1 or not set(unit) & stalled
    planned = sorted(p for unit in units for p in unit)
    assert planned == sorted(p for p in pending if pending[p] > 0 or p in stalled)


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (KafkaUnavailable(TOPIC, "down"), KafkaUnavailable),
        (PartitionsFailed("c", "ingest", {0: ValueError("bug")}), AirflowFailException),
        (ValueError("a bug"), AirflowFailException),
        (AirflowSkipException("nothing new"), AirflowSkipException),
    ],
)
def test_errors_are_decided_once_at_the_boundary(error: Exception, outcome: type) -> None:
    def fail() -> None:
        raise error

    with pytest.raises(outcome):
        dags.at_boundary(fail)


def test_every_task_has_an_execution_timeout(energy: Contract, tmp_path: Any) -> None:
    from assay.config import Settings

    settings = Settings(state_dir=tmp_path / "s", cache_dir=tmp_path / "c")
    for build in (dags.ingest_dag, dags.validate_dag):
        for task in build(energy, settings).tasks:
            assert task.execution_timeout is not None
            assert task.execution_timeout <= dags.EXECUTION_TIMEOUT
