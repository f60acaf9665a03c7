"""Which quarantined rows a decision is about: a filter, and the rows' identity.

A quarantined row is named by its raw object and its place in it (``kafka_offset``, and
``kafka_index`` within a frame record): the same row the raw layer holds, whatever file
the quarantine keeps it in. Filters are pushed into Arrow compute per object, one object
at a time, so a large quarantine is never loaded whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from assay.store import layout
from assay.store.objects import ObjectStore
from assay.store.parquet import from_parquet
from schemas import Contract

IDENTITY = ("raw_object", "kafka_offset", "kafka_index")


@dataclass(frozen=True, order=True)
class RowRef:
    """One quarantined row: its raw object, Kafka offset and index within the record."""

    raw_object: str
    offset: int
    index: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The decision record's form."""
        return asdict(self)


@dataclass(frozen=True)
class RowFilter:
    """Which quarantined rows: every field left None matches all."""

    rule: str | None = None
    dimension: str | None = None
    site: str | None = None
    device: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    raw_object: str | None = None
    offset: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The filter as recorded with the decision (None fields left out)."""
        found = {k: v for k, v in asdict(self).items() if v is not None}
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in found.items()}

    def mask(self, table: pa.Table, contract: Contract) -> pa.ChunkedArray | pa.Array:
        """True for each row of a quarantine table this filter selects."""
        keep = pa.array([True] * table.num_rows)
        for column, wanted in (("site", self.site), ("device_id", self.device)):
            if wanted is not None:
                keep = pc.and_(keep, pc.equal(table[column], wanted))
        for column, wanted in (("failed_rules", self.rule), ("failed_dimensions", self.dimension)):
            if wanted is not None:
                keep = pc.and_(keep, _contains(table[column], wanted))
        if self.raw_object is not None:
            keep = pc.and_(keep, pc.equal(table["raw_object"], self.raw_object))
        if self.offset is not None:
            keep = pc.and_(keep, pc.equal(table["kafka_offset"], self.offset))
        return pc.and_(keep, self._in_time(table[contract.event_time]))

    def _in_time(self, times: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
        keep = pa.array([True] * len(times))
        if self.since is not None:
            keep = pc.and_(keep, pc.greater_equal(times, pa.scalar(self.since, times.type)))
        if self.until is not None:
            keep = pc.and_(keep, pc.less(times, pa.scalar(self.until, times.type)))
        return pc.fill_null(keep, False)


def _contains(lists: pa.ChunkedArray, wanted: str) -> pa.Array:
    """Whether each list holds ``wanted`` (a list column: rules or dimensions per row)."""
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists)
    hits = pc.unique(pc.filter(parents, pc.equal(flat, wanted)))
    return pc.is_in(pa.array(range(len(lists)), pa.int64()), value_set=pc.cast(hits, pa.int64()))


def selected(
    store: ObjectStore, bucket: str, contract: Contract, rows: RowFilter
) -> Iterator[pa.Table]:
    """The quarantined rows the filter selects, one table per quarantine object."""
    prefix = layout.dataset_prefix(contract.name, contract.major)
    keys = [k for k in store.keys(bucket, prefix) if k.endswith(".parquet")]
    if rows.raw_object is not None:  # a quarantine object has its raw object's name
        keys = [k for k in keys if k == rows.raw_object]
    for key in keys:
        table = from_parquet(store.get(bucket, key))
        picked = table.filter(rows.mask(table, contract))
        if picked.num_rows:
            yield picked


def refs(table: pa.Table) -> list[RowRef]:
    """The identity of each row of a quarantine table."""
    columns = [table[name].to_pylist() for name in IDENTITY]
    return [RowRef(raw, int(off), int(idx or 0)) for raw, off, idx in zip(*columns, strict=True)]
