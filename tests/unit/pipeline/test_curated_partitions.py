"""Curated rows split by the contract's partition_by: the groups, their order, their rows."""

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
    assert [p for p, _ in got] == [(("date", d), ("site", s)) for d, s, _ in want]
    assert all(g.equals(w) for (_, g), (_, _, w) in zip(got, want, strict=True))


def test_one_date_and_site_is_the_whole_table() -> None:
    table = _table([1, 2, 3], ["sz-1"] * 3)
    [(partition, rows)] = curated_partitions(ENERGY, table)
    assert partition == (("date", "2025-03-02"), ("site", "sz-1"))
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


def _partitioned_by(*fields: str) -> Contract:
    return ENERGY.model_copy(update={"partition_by": fields})


def test_the_declared_fields_in_the_declared_order() -> None:
    table = _table([1, 86_401, 2], ["b", "a", "a"])
    got = curated_partitions(_partitioned_by("site", "date"), table)
    assert [p for p, _ in got] == [
        (("site", "a"), ("date", "2025-03-02")),
        (("site", "a"), ("date", "2025-03-03")),
        (("site", "b"), ("date", "2025-03-02")),
    ]
    assert [rows.num_rows for _, rows in got] == [1, 1, 1]


def test_a_field_of_any_partition_type_and_no_partitions_at_all() -> None:
    table = _table([1, 2, 3], ["a", "a", "a"])
    table = table.set_column(
        table.schema.get_field_index("circuit"), "circuit", pa.array(["F 1", "F2", "F 1"])
    )
    by_seq = curated_partitions(_partitioned_by("seq"), table)
    assert [p for p, _ in by_seq] == [(("seq", str(n)),) for n in sorted(table["seq"].to_pylist())]
    by_circuit = curated_partitions(_partitioned_by("circuit"), table)
    assert [(p, rows.num_rows) for p, rows in by_circuit] == [
        ((("circuit", "F 1"),), 2),
        ((("circuit", "F2"),), 1),
    ]
    [(nothing, rows)] = curated_partitions(_partitioned_by(), table)
    assert nothing == () and rows is table
