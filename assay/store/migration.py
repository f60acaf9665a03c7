"""``assay store migrate``: give objects named before the current names their new names.

Stores written before object names kept to ``[A-Za-z0-9._=/-]`` hold stems like
``<topic>+<partition>+<offset>``, which DuckDB, Hive, Athena and Spark cannot read. S3 has
no rename, so each segment moves in one copy-then-delete step:

1. list every bucket but the releases bucket and group the objects whose names hold an old
   stem by segment;
2. write each object of a segment under its new name: raw, dead-letter and curated objects
   are copied on the server, bytes unchanged; a quarantine file is rewritten so that its
   ``raw_object`` column names the renamed raw object; reports have the old stem replaced
   by the new one, and the dedup watermark, which marks the segment validated, goes last;
3. delete the old objects, curated first, so that a reader sees a segment's rows twice
   for as short a time as possible.

Every write is a pure function of the old object, so a run that stops anywhere is finished
by running again. Both names exist for a moment: pause the pipeline while it runs.

Not renamed, on purpose: releases are immutable, and a manifest keeps the names it was made
from (the readiness report finds a moved report through `renamed_key` and checks its
checksum against `as_written`); the ingest group's Kafka commit metadata holds the last
stem landed, which nothing reads and the next landing replaces; lineage events already sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyarrow as pa

from assay.store import layout
from assay.store.layout import Segment
from assay.store.objects import PARQUET, RenamingStore
from assay.store.parquet import from_parquet, to_parquet

# The order objects are written in; deletion runs curated first (see the module docstring).
ROLES = ("raw", "deadletter", "curated", "quarantine", "reports")
_DELETE_ORDER = ("curated", "quarantine", "deadletter", "raw", "reports")
_TEXT = {".json": "application/json", ".html": "text/html; charset=utf-8"}


@dataclass(frozen=True, order=True)
class Move:
    """One object to rename: its bucket's role, the bucket, and its old and new keys."""

    role: str
    bucket: str
    old: str
    new: str

    @property
    def marks_validated(self) -> bool:
        """The dedup watermark: written last, since it says the segment is done."""
        return self.new.endswith(".watermark.json")


def plan(store: RenamingStore, buckets: Mapping[str, str]) -> dict[Segment, list[Move]]:
    """Every object with an old name, by segment, in offset order (``buckets`` by role)."""
    found: dict[Segment, list[Move]] = defaultdict(list)
    for role in ROLES:
        bucket = buckets[role]
        for key in store.keys(bucket):
            if (new := layout.renamed_key(key)) is not None:
                found[Segment.parse(key)].append(Move(role, bucket, key, new))
    return dict(sorted(found.items()))


def migrate(
    store: RenamingStore,
    buckets: Mapping[str, str],
    progress: Callable[[Segment, list[Move]], None] | None = None,
) -> dict[Segment, list[Move]]:
    """Rename every object with an old name; return what was renamed."""
    moves = plan(store, buckets)
    for seg, group in moves.items():
        migrate_segment(store, seg, group)
        if progress:
            progress(seg, group)
    return moves


def migrate_segment(store: RenamingStore, seg: Segment, moves: list[Move]) -> None:
    """Write one segment's objects under their new names, then delete the old ones."""
    for move in sorted(moves, key=lambda m: (m.marks_validated, ROLES.index(m.role), m.old)):
        _write(store, seg, move)
    for move in sorted(moves, key=lambda m: (m.marks_validated, _DELETE_ORDER.index(m.role))):
        store.delete(move.bucket, move.old)


def _write(store: RenamingStore, seg: Segment, move: Move) -> None:
    old, new = seg.as_legacy().stem, seg.renamed().stem
    meta = {k: v.replace(old, new) for k, v in (store.head(move.bucket, move.old) or {}).items()}
    suffix = move.old[move.old.rfind(".") :]
    if move.role == "quarantine" and suffix == ".parquet":
        data = _quarantine_renamed(store.get(move.bucket, move.old), new)
        store.put(move.bucket, move.new, data, meta, PARQUET)
    elif move.role == "reports" and suffix in _TEXT:
        data = store.get(move.bucket, move.old).replace(old.encode(), new.encode())
        store.put(move.bucket, move.new, data, meta, _TEXT[suffix])
    else:
        store.copy(move.bucket, move.old, move.new, meta)


def _quarantine_renamed(data: bytes, stem: str) -> bytes:
    """A quarantine file whose rows point at the renamed raw object."""
    table = _as_built(from_parquet(data))
    if "raw_object" in table.column_names:
        column = table.schema.get_field_index("raw_object")
        renamed = [layout.renamed_key(k) or k for k in table["raw_object"].to_pylist()]
        table = table.set_column(column, "raw_object", pa.array(renamed, pa.string()))
    return to_parquet(table, {"assay.segment": stem})


def _as_built(table: pa.Table) -> pa.Table:
    """Lists as Arrow builds them (items named ``item``; Parquet reads them back ``element``)."""
    fields = [
        f.with_type(pa.list_(f.type.value_type)) if pa.types.is_list(f.type) else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


def as_written(data: bytes, key: str) -> bytes:
    """A report's bytes as they were under ``key``, before a migration renamed its stem.

    The inverse of the rewrite above, so a checksum taken before the migration (a release
    manifest's) still verifies the migrated report.
    """
    if layout.renamed_key(key) is None:
        return data
    seg = Segment.parse(key)
    return data.replace(seg.renamed().stem.encode(), seg.as_legacy().stem.encode())
