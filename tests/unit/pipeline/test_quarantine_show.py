"""`assay quarantine show`: counts from the summaries, rows read only as far as asked."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assay.config import Settings
from assay.govern.quarantine import quarantined_rows
from assay.pipeline.ingest.landing import Buckets as LandingBuckets
from assay.pipeline.ingest.landing import land_partition
from assay.pipeline.validate import curation
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import reading, record
from .test_landing import memory_log

BUCKETS = curation.Buckets(raw="raw", curated="cur", quarantine="q", reports="rep")


class CountingStore(MemoryStore):
    """A MemoryStore that remembers every object read."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[tuple[str, str]] = []

    def get(self, bucket: str, key: str) -> bytes:
        self.read.append((bucket, key))
        return super().get(bucket, key)


@pytest.fixture(scope="module")
def validated(energy: Contract) -> tuple[CountingStore, list[curation.Summary]]:
    records = [
        record(i, reading(i, voltage_l1=9999.0) if i % 10 == 3 else reading(i)) for i in range(90)
    ]
    store = CountingStore()
    land_partition(
        memory_log(records), store, LandingBuckets(raw="raw", deadletter="dead"), energy,
        max_records=30,
    )  # fmt: skip
    return store, curation.validate_pending(store, BUCKETS, energy, 0)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        state_dir=tmp_path, bucket_reports="rep", bucket_quarantine="q", bucket_curated="cur"
    )


def test_counts_come_from_the_summaries(validated, energy: Contract, settings: Settings) -> None:
    store, summaries = validated
    store.read.clear()
    rows, counts = quarantined_rows(store, settings, energy, None, 1)
    expected: Counter[str] = Counter()
    for summary in summaries:
        expected.update(summary.by_rule)
    assert counts == expected and counts["range:voltage_l1"] == 9
    assert len(rows) == 1
    quarantine_reads = [k for b, k in store.read if b == "q"]
    assert len(quarantine_reads) == 1  # the limit was met in the first file


def test_a_rule_no_segment_failed_opens_no_quarantine_file(
    validated, energy: Contract, settings: Settings
) -> None:
    store, _ = validated
    store.read.clear()
    rows, _ = quarantined_rows(store, settings, energy, "range:frequency", 20)
    assert rows == [] and not [k for b, k in store.read if b == "q"]


def test_rows_are_filtered_by_rule_and_limited(
    validated, energy: Contract, settings: Settings
) -> None:
    store, _ = validated
    rows, _ = quarantined_rows(store, settings, energy, "range:voltage_l1", 5)
    assert len(rows) == 5
    assert all("range:voltage_l1" in r["failed_rules"] for r in rows)
    everything, _ = quarantined_rows(store, settings, energy, "range:voltage_l1", 100)
    assert len(everything) == 9
