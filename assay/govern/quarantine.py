"""Quarantined rows for a data steward: which rule, which reading, and why.

The counts per rule come from each segment's ``summary.json`` (a few hundred bytes each),
never from the rows. Rows are read only as far as asked: segments whose summary has no failure
of the rule are not opened, a quarantine file is read one row group at a time (on the S3
server through ranged reads, its ``failed_rules`` column first when a rule is given), and
reading stops at ``limit`` rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from assay.config import Settings
from assay.pipeline.validate.curation import Summary
from assay.store import layout
from assay.store.objects import ObjectStore, S3Store
from schemas import Contract

SUMMARY = "summary.json"


def quarantined_rows(
    store: ObjectStore, settings: Settings, contract: Contract, rule: str | None, limit: int
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Up to ``limit`` quarantined rows (those failing ``rule`` if given), and the rows that
    failed each rule (curated warnings included), as the validation summaries count them."""
    summaries = list(segment_summaries(store, settings.bucket_reports, contract))
    counts: Counter[str] = Counter()
    for summary in summaries:
        counts.update(summary.by_rule)
    rows: list[dict[str, Any]] = []
    for summary in summaries:
        if len(rows) >= limit:
            break
        if not summary.quarantine_key or not summary.quarantined:
            continue
        if rule and rule not in summary.by_rule:
            continue
        with _parquet(store, settings, summary.quarantine_key) as file:
            rows += first_rows(file, rule, limit - len(rows))
    return rows, counts


def segment_summaries(store: ObjectStore, bucket: str, contract: Contract) -> Iterator[Summary]:
    """Every validated segment's summary, in partition then offset order."""
    prefix = layout.dataset_prefix(contract.name, contract.major)
    for key in store.keys(bucket, prefix):
        if key.endswith("/" + SUMMARY):
            yield Summary.loads(store.get(bucket, key))


def first_rows(file: pq.ParquetFile, rule: str | None, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` rows (failing ``rule`` if given), one row group at a time."""
    rows: list[dict[str, Any]] = []
    for group in range(file.num_row_groups):
        if len(rows) >= limit:
            break
        if rule is None:
            table = file.read_row_group(group)
        else:
            failed = file.read_row_group(group, columns=["failed_rules"])["failed_rules"]
            mask = pa.array([rule in rules for rules in failed.to_pylist()], pa.bool_())
            if not mask.true_count:
                continue
            table = file.read_row_group(group).filter(mask)
        rows += table.slice(0, limit - len(rows)).to_pylist()
    return rows


def _parquet(store: ObjectStore, settings: Settings, key: str) -> pq.ParquetFile:
    """A quarantine file opened for row-group reads: ranged GETs on the S3 server, the bytes
    of another store (the in-memory one of the tests)."""
    bucket = settings.bucket_quarantine
    if isinstance(store, S3Store):
        from assay.store.objects import arrow_filesystem

        source: Any = arrow_filesystem(settings).open_input_file(f"{bucket}/{key}")
    else:
        source = pa.BufferReader(store.get(bucket, key))
    return pq.ParquetFile(source)
