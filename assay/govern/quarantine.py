"""Quarantined rows for a data steward: which rule, which reading, and why."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa

from assay.config import Settings
from assay.store import layout
from assay.store.objects import ObjectStore
from assay.store.parquet import from_parquet
from schemas import Contract


def quarantined_rows(
    store: ObjectStore, settings: Settings, contract: Contract, rule: str | None, limit: int
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Up to ``limit`` quarantined rows (those failing ``rule`` if given) and counts per rule."""
    prefix = layout.dataset_prefix(contract.name, contract.major)
    counts: Counter[str] = Counter()
    rows: list[dict[str, Any]] = []
    for key in store.keys(settings.bucket_quarantine, prefix):
        table = from_parquet(store.get(settings.bucket_quarantine, key))
        counts.update(r for rules in table["failed_rules"].to_pylist() for r in rules)
        if rule:
            table = _with_rule(table, rule)
        rows += table.slice(0, max(0, limit - len(rows))).to_pylist()
    return rows, counts


def _with_rule(table: pa.Table, rule: str) -> pa.Table:
    mask = [rule in rules for rules in table["failed_rules"].to_pylist()]
    return table.filter(pa.array(mask, pa.bool_()))
