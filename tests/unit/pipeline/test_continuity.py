"""The tail carried between segments: each device's latest curated reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from assay.pipeline.validate.continuity import next_tail
from schemas import load_contract, reading_order, to_arrow_schema

ENERGY = load_contract("energy_meter")
SCHEMA = to_arrow_schema(ENERGY)
_T0 = datetime(2026, 1, 1, tzinfo=UTC)

# (device, event time in ms after _T0, seq): few values, so ties are common
_ROW = st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 4), st.integers(0, 4))


def batch(rows: list[tuple[str, int, int]], tag: str) -> pa.Table:
    """Readings of the contract's schema; ``circuit`` names each row (tag and position)."""
    n = len(rows)
    columns = {
        "device_id": [d for d, _, _ in rows],
        "event_time": [_T0 + timedelta(milliseconds=t) for _, t, _ in rows],
        "seq": [s for _, _, s in rows],
        "circuit": [f"{tag}{i}" for i in range(n)],
    }
    arrays = [pa.array(columns.get(f.name) or [_filler(f)] * n, f.type) for f in SCHEMA]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def _filler(field: pa.Field) -> object:
    if pa.types.is_string(field.type):
        return "x"
    return _T0 if pa.types.is_timestamp(field.type) else 0


def whole_sort_tail(before: pa.Table | None, passing: pa.Table) -> pa.Table:
    """The rule said plainly: sort every row by device, then latest first; keep each first."""
    table = pa.concat_tables([t for t in (before, passing) if t is not None])
    device, *later = reading_order(ENERGY)
    ordered = table.sort_by([(device, "ascending")] + [(n, "descending") for n in later])
    devices = ordered[device].to_pylist()
    first = [i == 0 or devices[i] != devices[i - 1] for i in range(len(devices))]
    return ordered.filter(pa.array(first, pa.bool_()))


def test_each_device_keeps_its_latest_reading_across_segments() -> None:
    before = batch([("a", 3, 1), ("b", 1, 1)], "old")
    tail = next_tail(ENERGY, before, batch([("a", 2, 2), ("b", 4, 2), ("c", 0, 1)], "new"))
    assert tail["device_id"].to_pylist() == ["a", "b", "c"]
    assert tail["circuit"].to_pylist() == ["old0", "new1", "new2"]


def test_an_empty_batch_with_no_tail_gives_an_empty_tail() -> None:
    tail = next_tail(ENERGY, None, batch([], "x"))
    assert tail.num_rows == 0
    assert tail.schema == SCHEMA


@given(
    before=st.none() | st.lists(_ROW, max_size=12),
    passing=st.lists(_ROW, max_size=30),
)
def test_the_tail_is_the_whole_sorts_tail(
    before: list[tuple[str, int, int]] | None, passing: list[tuple[str, int, int]]
) -> None:
    old = None if before is None else batch(before, "old")
    new = batch(passing, "new")
    assert next_tail(ENERGY, old, new).to_pylist() == whole_sort_tail(old, new).to_pylist()
