"""Partitions added to a topic after its contract created it: validated and audited like the
first ones, and a partition with no data yet is no problem."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.govern.audit import OffsetsOf, audit
from assay.pipeline.airflow.tasks import validate_plan
from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import MemoryPartition, land_partition
from assay.pipeline.validate import curation
from assay.store.objects import MemoryStore
from schemas import Contract, load_contract

from .conftest import TOPIC, reading, record

TWO = load_contract("energy_meter").model_copy(update={"partitions": 2})
BUCKETS = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")
LAND = LandingBuckets(raw="raw", deadletter="dead")


def land(store: MemoryStore, contract: Contract, partition: int, count: int) -> None:
    """``count`` readings of a producer of its own on ``partition``, landed 10 to a segment."""
    values = [reading(i, producer_id=f"edge-{partition}") for i in range(count)]
    records = [record(i, v, partition=partition) for i, v in enumerate(values)]
    log = MemoryPartition(records, topic=TOPIC, partition=partition)
    land_partition(log, store, LAND, contract, max_records=10)


def validate_all(store: MemoryStore, contract: Contract) -> list[int]:
    """Every partition the plan names, validated; those partitions."""
    planned = sorted(p for unit in validate_plan(store, BUCKETS, contract, set()) for p in unit)
    for partition in planned:
        curation.validate_pending(store, BUCKETS, contract, partition)
    return planned


def test_a_partition_beyond_the_contracts_count_is_validated_and_audited() -> None:
    store = MemoryStore()
    land(store, TWO, 0, 12)
    land(store, TWO, 5, 25)
    assert validate_all(store, TWO) == [0, 5]
    assert validate_plan(store, BUCKETS, TWO, set()) == []
    # the topic now has 7 partitions: 1, 2, 3, 4 and 6 never got a record
    offsets: OffsetsOf = {p: (0, 0, None) for p in range(7)} | {0: (0, 12, 12), 5: (0, 25, 25)}
    result = audit(store, BUCKETS, "dead", TWO, offsets)
    assert result.balanced, result.problems
    assert sorted(result.partitions) == list(range(7))
    assert (result.partitions[5].produced, result.partitions[5].curated) == (25, 25)
    assert result.totals.curated == 37


def test_an_added_partition_is_audited_even_where_the_topic_is_read_without_it() -> None:
    store = MemoryStore()
    land(store, TWO, 3, 10)
    result = audit(store, BUCKETS, "dead", TWO, {0: (0, 0, None), 1: (0, 0, None)})
    assert result.partitions[3].awaiting_validation == 10
    assert result.balanced, result.problems


def test_records_of_an_added_partition_not_landed_yet_are_no_problem() -> None:
    result = audit(MemoryStore(), BUCKETS, "dead", TWO, {0: (0, 0, None), 4: (0, 9, None)})
    assert result.balanced, result.problems
    assert result.partitions[4].not_landed_records == 9


def test_a_committed_partition_without_its_segments_is_still_a_problem() -> None:
    result = audit(MemoryStore(), BUCKETS, "dead", TWO, {6: (0, 9, 9)})
    assert result.problems == ["partition 6: committed offset 9 but raw segments end at 0"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.integers(0, 40), st.integers(1, 25), min_size=1, max_size=4))
def test_whatever_partitions_hold_data_the_plan_and_the_audit_cover_them(
    counts: dict[int, int],
) -> None:
    store = MemoryStore()
    for partition, count in counts.items():
        land(store, TWO, partition, count)
    assert validate_all(store, TWO) == sorted(counts)
    offsets = {p: (0, n, n) for p, n in counts.items()}
    result = audit(store, BUCKETS, "dead", TWO, offsets)
    assert result.balanced, result.problems
    assert sorted(result.partitions) == sorted(counts)
    assert result.totals.curated == result.totals.produced == sum(counts.values())
