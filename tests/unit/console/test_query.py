"""Pages over many objects: consecutive, never overlapping, in object and row order."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from assay.console._query import PAGE, Filters, Tables

COLUMNS = ["event_time", "site", "device_id", "failed_rules", "reason"]


def _objects(root: Path, files: int, rows: int) -> None:
    for f in range(files):
        table = pa.table({
            "event_time": pa.array([f * rows + i for i in range(rows)], pa.int64()),
            "site": ["plant-a"] * rows,
            "device_id": [f"dev-{i % 3}" for i in range(rows)],
            "failed_rules": pa.array([["range:x"] if i % 2 else ["gap:y"] for i in range(rows)]),
            "failed_dimensions": pa.array([["accuracy"]] * rows),
            "reason": ["r"] * rows,
        })  # fmt: skip
        path = root / "q" / "c" / "v1" / "partition=0" / f"t-p0-o{f * rows:020d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, row_group_size=7)


def test_pages_walk_every_matching_row_once_in_order(tmp_path: Path) -> None:
    _objects(tmp_path, files=4, rows=40)
    tables = Tables(duckdb.connect(), str(tmp_path))
    seen, offset = [], 0
    while True:
        page = tables.page("q", "c/v1/", COLUMNS, Filters(rule="range:x"), offset)
        seen += [row["event_time"] for _, _, row in page.rows]
        assert page.total == 80 and len(page.rows) <= PAGE
        if not page.more:
            break
        offset += len(page.rows)
    assert seen == [n for n in range(160) if n % 40 % 2]


def test_filters_combine_and_an_empty_prefix_is_an_empty_page(tmp_path: Path) -> None:
    _objects(tmp_path, files=2, rows=30)
    tables = Tables(duckdb.connect(), str(tmp_path))
    page = tables.page("q", "c/v1/", COLUMNS, Filters(rule="gap:y", device="dev-0"), 0)
    assert page.total == 10 and all(r["device_id"] == "dev-0" for _, _, r in page.rows)
    assert tables.page("q", "none/v1/", COLUMNS, Filters(), 0).rows == []
    assert tables.counts("q", "c/v1/", "failed_rules") == [("gap:y", 30), ("range:x", 30)]
