"""Curated rows split by UTC date and site: the pairs, their order, and the rows of each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.pipeline.validate.curation import curated_partitions, curated_table
from schemas import Contract, load_contract
from validators import sample_table

ENERGY = load_contract("energy_meter")
MIDNIGHT = datetime(2025, 3, 2, tzinfo=UTC)


def _by_formatted_date(contract: Contract, table: pa.Table) -> list[tuple[str, str, pa.Table]]:
    """The reference: each row's date formatted, then every (date, site) filtered out."""
    dates = pc.strftime(table[contract.event_time], format="%Y-%m-%d")
    out = []
    for date in sorted(set(dates.to_pylist())):
        on_date = table.filter(pc.equal(dates, date))
        for site in sorted(set(on_date["site"].to_pylist())):
            out.append((date, site, on_date.filter(pc.equal(on_date["site"], site))))
    return out


def _table(offsets: list[int], sites: list[str]) -> pa.Table:
    """Readings ``offsets`` seconds from midnight UTC at the given sites, in contract order."""
    base = sample_table(ENERGY, len(offsets))
    times = [MIDNIGHT + timedelta(seconds=s) for s in offsets]
    columns = base.to_pydict() | {"event_time": times, "site": sites}
    return curated_table(ENERGY, pa.table(columns, schema=base.schema))


def _same(table: pa.Table) -> None:
    got = curated_partitions(ENERGY, table)
    want = _by_formatted_date(ENERGY, table)
    assert [(d, s) for d, s, _ in got] == [(d, s) for d, s, _ in want]
    assert all(g.equals(w) for (_, _, g), (_, _, w) in zip(got, want, strict=True))


def test_one_date_and_site_is_the_whole_table() -> None:
    table = _table([1, 2, 3], ["sz-1"] * 3)
    [(date, site, rows)] = curated_partitions(ENERGY, table)
    assert (date, site) == ("2025-03-02", "sz-1")
    assert rows is table


def test_rows_across_midnight_and_sites_split_like_formatted_dates() -> None:
    _same(_table([-2, -1, 0, 1, 86_399, 86_400], ["b", "a", "b", "a", "b", "a"]))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-200_000, 200_000), st.sampled_from(["sz-1", "sz-2", "dg-9"])),
        min_size=1,
        max_size=40,
    )
)
def test_any_times_and_sites_split_like_formatted_dates(rows: list[tuple[int, str]]) -> None:
    _same(_table([t for t, _ in rows], [s for _, s in rows]))
