"""The data of a release: curated partitions of a date window, merged, sorted, masked, rewritten.

One release file per (date, site) — split every `FILE_ROWS` rows — named
``data/date=<date>/<site>-<nnnn>.parquet`` (`layout.release_file`: a Hive-style date
folder, the site made path-safe), whatever the contract's curated ``partition_by``: a
release is read by date and site, as a dataset partitioned by date.
Rows are sorted by device, event time, producer
and seq, declared as each file's ``sorting_columns`` up to the first key masking changed;
the Parquet writer is the deterministic one of `assay.store.parquet` (fixed row groups,
zstd) and no creation time goes into a file, so the same curated objects, grants and
masking key always give the same bytes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from assay.govern.releases._manifest import FileEntry, sha256
from assay.govern.releases._masking import FieldTreatment, apply_masking
from assay.store import layout
from assay.store.objects import ObjectStore
from assay.store.parquet import from_parquet, to_parquet
from schemas import Contract, to_arrow_schema

FILE_ROWS = 1_000_000
SORT_KEYS = ("device_id", "event_time", "producer_id", "seq")


@dataclass(frozen=True)
class DataFile:
    """One release file: its bytes and its manifest entry."""

    data: bytes
    entry: FileEntry
    schema: pa.Schema
    devices: frozenset[str]
    first_event: datetime | None
    last_event: datetime | None


def curated_in_window(
    store: ObjectStore, bucket: str, contract: Contract, window: tuple[str, str]
) -> dict[tuple[str, str], list[str]]:
    """Curated object keys by the (date, site) of their rows, dates in the window (inclusive)."""
    prefix = layout.dataset_prefix(contract.name, contract.major)
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in (k for k in store.keys(bucket, prefix) if k.endswith(".parquet")):
        for pair in _pairs(store, bucket, contract, key, window):
            groups[pair].append(key)
    return {group: sorted(keys) for group, keys in sorted(groups.items())}


def _pairs(
    store: ObjectStore, bucket: str, contract: Contract, key: str, window: tuple[str, str]
) -> list[tuple[str, str]]:
    """The (date, site) pairs in the window of one curated object's rows.

    Its folders say them when the contract partitions by date and site (every shipped one
    does); otherwise the object is read, unless its date folder lies outside the window.
    """
    folders = layout.curated_partition(key)
    date, site = folders.get("date"), folders.get("site")
    if date is not None and not window[0] <= date <= window[1]:
        return []
    if date is not None and site is not None:
        return [(date, site)]
    table = from_parquet(store.get(bucket, key), columns=[contract.event_time, "site"])
    keys = pa.table({"date": _dates(table, contract), "site": table["site"]})
    found = keys.group_by(["date", "site"]).aggregate([]).to_pylist()
    pairs = [(g["date"].isoformat(), g["site"]) for g in found]
    return [(d, s) for d, s in pairs if window[0] <= d <= window[1]]


def _dates(table: pa.Table, contract: Contract) -> pa.ChunkedArray:
    """The UTC date of each row's event time (the curated ``date``)."""
    return pc.cast(table[contract.event_time], pa.date32())


def build_files(
    store: ObjectStore,
    bucket: str,
    contract: Contract,
    groups: dict[tuple[str, str], list[str]],
    mask: Callable[[pa.Table], pa.Table],
    release_tag: str,
) -> list[DataFile]:
    """Every release file of the window, in path order."""
    files: list[DataFile] = []
    for (date, site), keys in groups.items():
        table = merged(store, bucket, contract, keys, (date, site))
        masked = mask(table).replace_schema_metadata(_metadata(table, release_tag))
        order = still_sorted_by(table, masked)
        for n, start in enumerate(range(0, max(masked.num_rows, 1), FILE_ROWS)):
            part = masked.slice(start, FILE_ROWS)
            path = layout.release_file(date, site, n)
            files.append(_data_file(part, path, date, site, keys, contract.event_time, order))
    return files


def merged(
    store: ObjectStore, bucket: str, contract: Contract, keys: list[str], group: tuple[str, str]
) -> pa.Table:
    """The rows of one (date, site) in the curated objects, in the contract's schema, sorted."""
    schema = to_arrow_schema(contract)
    tables = [
        conform(_of(from_parquet(store.get(bucket, key)), contract, group), schema) for key in keys
    ]
    table = pa.concat_tables(tables)
    return table.sort_by([(name, "ascending") for name in SORT_KEYS])


def still_sorted_by(sorted_table: pa.Table, masked: pa.Table) -> tuple[str, ...]:
    """The leading `SORT_KEYS` masking left as they were: the order a file may declare (a
    pseudonymised key is no longer in order, nor is any key after it)."""
    order: list[str] = []
    for name in SORT_KEYS:
        if name not in masked.column_names or not masked[name].equals(sorted_table[name]):
            break
        order.append(name)
    return tuple(order)


def _of(table: pa.Table, contract: Contract, group: tuple[str, str]) -> pa.Table:
    """The rows of one (date, site); all of them when the curated folders were date and site."""
    on_date = pc.equal(_dates(table, contract), pa.scalar(group[0]).cast(pa.date32()))
    mask = pc.and_(on_date, pc.equal(table["site"], group[1]))
    return table if pc.all(mask).as_py() else table.filter(mask)


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A curated table in ``schema``: missing (nullable) fields added as nulls."""
    columns = [
        table[f.name] if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def masker(plan: list[FieldTreatment], key: bytes, contract: str) -> Callable[[pa.Table], pa.Table]:
    """The masking step with its plan and key bound."""
    return lambda table: apply_masking(table, plan, key, contract)


def _metadata(source: pa.Table, release_tag: str) -> dict[str, str]:
    meta = {k.decode(): v.decode() for k, v in (source.schema.metadata or {}).items()}
    meta.pop("assay.segment", None)
    meta["assay.release"] = release_tag
    return meta


def _data_file(
    table: pa.Table,
    path: str,
    date: str,
    site: str,
    sources: list[str],
    event_time: str,
    order: tuple[str, ...],
) -> DataFile:
    data = to_parquet(table, sorted_by=order)
    entry = FileEntry(
        path=path,
        sha256=sha256(data),
        size=len(data),
        rows=table.num_rows,
        date=date,
        site=site,
        sources=tuple(sources),
    )
    devices = frozenset(pc.unique(table["device_id"]).drop_null().to_pylist())
    span = pc.min_max(table[event_time]).as_py()
    return DataFile(data, entry, table.schema, devices, span["min"], span["max"])


def released_types(files: list[DataFile]) -> dict[str, str]:
    """Arrow type, as released, of every field in the files."""
    return {f.name: str(f.type) for f in files[0].schema} if files else {}


def release_tag(contract: str, version: str) -> str:
    """The value of the ``assay.release`` schema metadata key."""
    return json.dumps({"contract": contract, "version": version})
