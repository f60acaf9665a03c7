"""Accepted rows must not repeat a curated reading: the check made before anything is written.

A row quarantined for ``sequence_reset`` or ``seq_jump`` often carries the identity (the
contract's duplicate fields: producer_id and seq when sequenced) of a reading already
curated; accepting it would put that identity in curated twice, which the audit then
reports as a broken invariant long after the steward has moved on. `already_curated`
finds such identities — against every curated object of the contract, and among the rows
themselves — so `decide` and `materialize` refuse with the pairs instead of writing.

Only the identity columns of each curated object are read, one object at a time.
"""

from __future__ import annotations

from collections.abc import Collection

import pyarrow as pa
import pyarrow.compute as pc

from assay.store import layout
from assay.store.objects import ObjectStore
from assay.store.parquet import from_parquet
from schemas import Contract, duplicate_fields

Identity = tuple[object, ...]


def already_curated(
    store: ObjectStore,
    bucket: str,
    contract: Contract,
    rows: pa.Table,
    skip: Collection[str] = (),
) -> list[Identity]:
    """Identities of ``rows`` already curated (objects in ``skip`` aside) or repeated
    among ``rows``, sorted; [] when accepting them keeps curated free of duplicates."""
    fields = list(duplicate_fields(contract))
    wanted = _identities(rows, fields)
    found = {key for key, n in _counts(rows, fields).items() if n > 1}
    prefix = layout.dataset_prefix(contract.name, contract.major)
    for key in store.keys(bucket, prefix):
        if wanted and key.endswith(".parquet") and key not in skip:
            found |= wanted & _identities(_narrowed(store, bucket, key, fields, rows), fields)
    return sorted(found, key=repr)


def _narrowed(
    store: ObjectStore, bucket: str, key: str, fields: list[str], rows: pa.Table
) -> pa.Table:
    """The identity columns of one curated object, cut to the first field's wanted values."""
    table = from_parquet(store.get(bucket, key), columns=fields)
    first = rows[fields[0]].drop_null().unique()
    return table.filter(pc.is_in(table[fields[0]], value_set=first.cast(table[fields[0]].type)))


def _identities(table: pa.Table, fields: list[str]) -> set[Identity]:
    return set(_counts(table, fields))


def _counts(table: pa.Table, fields: list[str]) -> dict[Identity, int]:
    present = table.select(fields).drop_null()
    counts: dict[Identity, int] = {}
    for identity in zip(*(present[f].to_pylist() for f in fields), strict=True):
        counts[identity] = counts.get(identity, 0) + 1
    return counts
