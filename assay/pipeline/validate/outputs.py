"""What one validated segment writes: curated rows by partition, quarantined rows, reports.

Every object is named after the segment (``layout``), so re-validating it rewrites the same
objects. The order of the writes, and the watermark that ends them, is ``curation``'s.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pyarrow as pa

from assay.pipeline.validate.partitions import curated_partitions
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import HTML, PARQUET, ObjectStore
from assay.store.parquet import to_parquet
from schemas import Contract, reading_order, to_arrow_schema

if TYPE_CHECKING:
    from validators import ValidationOutcome

__all__ = ["curated_table", "write_curated", "write_quarantine", "write_reports"]


def curated_table(contract: Contract, rows: pa.Table) -> pa.Table:
    """Passing rows in the contract's schema, sorted by device and event time."""
    schema = to_arrow_schema(contract)
    table = rows.select(schema.names).sort_by([(n, "ascending") for n in reading_order(contract)])
    return table.cast(schema)


def write_curated(
    store: ObjectStore, buckets: Buckets, contract: Contract, seg: layout.Segment, rows: pa.Table
) -> list[str]:
    """The curated rows, one object per (date, site) partition; their keys."""
    if rows.num_rows == 0:
        return []
    keys = []
    for partition, part in curated_partitions(contract, curated_table(contract, rows)):
        key = layout.curated_key(contract.name, contract.major, seg, partition)
        meta = {
            "segment": seg.stem,
            "rows": str(part.num_rows),
            "partition": layout.partition_path(partition).rstrip("/"),
            "contract-version": contract.version,
        }
        store.put(
            buckets.curated, key, to_parquet(part, {"assay.segment": seg.stem}), meta, PARQUET
        )
        keys.append(key)
    return keys


def write_quarantine(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    seg: layout.Segment,
    rows: pa.Table,
    raw_key: str,
) -> str | None:
    """The quarantined rows with the raw object they came from; the key (None: no rows)."""
    if rows.num_rows == 0:
        return None
    rows = rows.append_column("raw_object", pa.array([raw_key] * rows.num_rows, pa.string()))
    key = layout.quarantine_key(contract.name, contract.major, seg)
    meta = {"segment": seg.stem, "rows": str(rows.num_rows), "contract-version": contract.version}
    store.put(buckets.quarantine, key, to_parquet(rows, {"assay.segment": seg.stem}), meta, PARQUET)
    return key


def write_reports(
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    seg: layout.Segment,
    summary: bytes,
    outcome: ValidationOutcome,
) -> None:
    """The GX result, the scores, Data Docs and the summary (``summary.json``)."""
    from validators import dumps_result

    prefix = layout.report_prefix(contract.name, contract.major, seg)
    files = {
        "validation.json": (dumps_result(outcome.result_json), "application/json"),
        "scores.json": (
            json.dumps(outcome.scores.to_dict(), ensure_ascii=False).encode(),
            "application/json",
        ),
        "data_docs.html": (outcome.data_docs_html.encode(), HTML),
        "summary.json": (summary, "application/json"),
    }
    for name, (data, content_type) in files.items():
        store.put(buckets.reports, prefix + name, data, content_type=content_type)
