"""Retention of a partition added to the topic after its contract created it."""

from __future__ import annotations

from assay.govern.audit import audit
from assay.govern.retention import apply_retention
from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import MemoryPartition, land_partition
from assay.pipeline.validate import curation
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, TOPIC, Clock, faulty_records

ADDED = 3  # the contract creates one partition; an operator added three more


def test_an_added_partitions_raw_data_expires_and_the_audit_still_balances(
    store: MemoryStore, clock: Clock, energy: Contract
) -> None:
    records = [r._replace(partition=ADDED) for r in faulty_records(0, 40)]
    log = MemoryPartition(records, topic=TOPIC)
    land_partition(log, store, LandingBuckets(raw="raw", deadletter="dead"), energy, max_records=20)
    checked = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")
    curation.validate_pending(store, checked, energy, ADDED)
    run = apply_retention(store, BUCKETS, energy, clock.advance(days=1))
    assert [partition for partition, _ in run.expired] == [ADDED, ADDED]
    assert store.keys("raw", "energy_meter/") == []
    result = audit(store, BUCKETS, "dead", energy, {0: (0, 0, None), ADDED: (0, 40, 40)})
    assert result.balanced, result.problems
    assert result.expired_spans(ADDED) == [(0, 40)]
