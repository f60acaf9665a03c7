"""Several pending segments of a partition validated in one Great Expectations run.

GX's cost per run is mostly fixed, so a backlog validates faster in groups of segments. The
outputs must not depend on the grouping: every segment gets what validating it alone, after
its predecessor, gives. Deduplication and identity depend only on the readings and the
watermark, which the caller carries from segment to segment as before. The one thing that
depends on the validation of the segment before is the *tail* (``continuity``): each device's
last curated reading, where stream rules continue. So:

1. each segment of a group is validated (``validators.validate_tables``) with the tail it
   would have if every reading before it in the group passed: exact for a clean backlog;
2. the caller then writes the segments in offset order, carrying the real tail, and
   validates again, alone, each segment whose assumed tail differs from the real one (a
   device's last reading before it was quarantined).

A group holds consecutive pending segments of at most ``GROUP_READINGS`` readings in all (by
the raw objects' metadata), so a task's memory stays bounded whatever the backlog.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from assay.pipeline.validate.continuity import next_tail
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore
from schemas import Contract

if TYPE_CHECKING:
    from validators import ValidationOutcome

__all__ = ["GROUP_READINGS", "assumed_tails", "next_group", "same_tail", "validate_group"]

#: Readings validated in one GX run at most (see bench/README.md, "Grouped validation").
GROUP_READINGS = 150_000


def next_group(
    store: ObjectStore, buckets: Buckets, todo: Sequence[tuple[str, str | None]], limit: int
) -> list[tuple[str, str | None]]:
    """The first pending segments, each the successor of the one before, of at most ``limit``
    readings in all (always at least one segment)."""
    group = [todo[0]]
    readings = _readings(store, buckets, todo[0][0])
    for key, before in todo[1:]:
        readings += _readings(store, buckets, key)
        if readings > limit or before != group[-1][0]:
            break
        group.append((key, before))
    return group


def _readings(store: ObjectStore, buckets: Buckets, key: str) -> int:
    meta = store.head(buckets.raw, key) or {}
    return int(meta.get("readings", 0))


def assumed_tails(
    contract: Contract, tail: pa.Table | None, tables: Sequence[pa.Table]
) -> list[pa.Table | None]:
    """The tail before each table if every reading of the ones before it passed (a table
    that does not cast to the contract leaves the tail as it was: only a guess, checked)."""
    tails = [tail]
    for table in tables[:-1]:
        try:
            tails.append(next_tail(contract, tails[-1], table))
        except (KeyError, pa.ArrowException):
            tails.append(tails[-1])
    return tails


def same_tail(a: pa.Table | None, b: pa.Table | None) -> bool:
    """True when validation continues from both alike (no tail and an empty one are alike)."""
    if a is None or b is None or a.num_rows == 0 or b.num_rows == 0:
        return (a is None or a.num_rows == 0) and (b is None or b.num_rows == 0)
    return a.equals(b)


def validate_group(
    contract: Contract,
    batches: Sequence[tuple[pa.Table, datetime]],
    tail: pa.Table | None,
) -> tuple[list[pa.Table | None], list[ValidationOutcome]]:
    """Each (readings, report time) validated in one run, from its assumed tail; the tails
    assumed and the outcomes."""
    from validators import TableBatch, validate_tables

    tails = assumed_tails(contract, tail, [table for table, _ in batches])
    runs = [TableBatch(table, t, now) for (table, now), t in zip(batches, tails, strict=True)]
    return tails, validate_tables(contract, runs)
