"""Group codes: rows get the same code exactly when all their key values are equal."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from validators._groups import group_codes

keys = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", None]), st.integers(-2, 2) | st.none()),
    min_size=0,
    max_size=60,
)


@settings(deadline=None)  # the first call pays for imports on a loaded machine
@given(keys)
def test_equal_keys_share_a_code_and_different_keys_do_not(rows: list[tuple]) -> None:
    names = pa.array([r[0] for r in rows], type=pa.string())
    numbers = pa.array([r[1] for r in rows], type=pa.int64())
    codes, valid = group_codes([names, numbers])
    assert list(valid) == [r[0] is not None and r[1] is not None for r in rows]
    for i, left in enumerate(rows):
        for j, right in enumerate(rows):
            assert (codes[i] == codes[j]) == (left == right)


def test_codes_are_dense_for_three_columns() -> None:
    a = pa.chunked_array([["x", "y"], ["x", "y", "x"]])
    b = pa.array([1, 1, 1, 2, 1])
    c = pa.array([0.5, 0.5, 0.5, 0.5, 0.25])
    codes, valid = group_codes([a, b, c])
    assert valid.all()
    assert sorted(set(codes.tolist())) == list(range(4))  # (x,1,.5) (y,1,.5) (y,2,.5) (x,1,.25)
    assert codes[0] == codes[2] and len({codes[1], codes[3], codes[4]}) == 3
