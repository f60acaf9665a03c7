"""Stream rules read each device in event-time order, whatever order the rows came in."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import load_contract
from validators import compile_checks, sample_table
from validators._conform import conform
from validators._derive import derive_columns

ENERGY = load_contract("energy_meter")
CHECKS = compile_checks(ENERGY)
ROWS = 48

#: Values that take a reading out of its streams (implausible) or out of every group.
BREAKS = {
    "active_power": [None, 9000.0, 42.0],
    "active_energy": [None, 5.0, 1e12],
    "voltage_l1": [None, -1.0, 230.0],
    "device_id": [None],
}


def _broken(breaks: list[tuple[int, str, int]]) -> pa.Table:
    table = sample_table(ENERGY, ROWS, devices=4)
    columns = table.to_pydict()
    for row, column, choice in breaks:
        options = BREAKS[column]
        columns[column][row] = options[choice % len(options)]
    return pa.table(columns, schema=table.schema)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, ROWS - 1), st.sampled_from(sorted(BREAKS)), st.integers(0, 2)),
        max_size=15,
    ),
    st.permutations(range(ROWS)),
)
def test_shuffled_rows_get_the_same_derived_values(
    breaks: list[tuple[int, str, int]], permutation: list[int]
) -> None:
    table = _broken(breaks)
    shuffled = table.take(pa.array(permutation))
    before = derive_columns(conform(ENERGY, table), CHECKS)
    after = derive_columns(conform(ENERGY, shuffled), CHECKS)
    for name, values in before.items():
        np.testing.assert_array_equal(after[name], values[permutation], err_msg=name)
