"""The partition reader's headers: what librdkafka hands out (a list of pairs, or None, a
value None when a header was sent without one) becomes the tuple of pairs the decoder takes,
a missing value as empty bytes, every pair in its order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assay.pipeline.ingest.consumer import _headers

PAIRS = st.lists(st.tuples(st.text(max_size=8), st.none() | st.binary(max_size=8)), max_size=12)


@given(PAIRS)
def test_every_pair_kept_in_order_with_a_missing_value_empty(pairs: list) -> None:
    got = _headers(pairs)
    assert got == tuple((k, b"" if v is None else v) for k, v in pairs)
    assert all(isinstance(v, bytes) for _, v in got)


def test_no_headers_at_all() -> None:
    assert _headers(None) == ()
    assert _headers([]) == ()


def test_an_empty_or_missing_value_among_present_ones() -> None:
    pairs = [("contract", b"energy_meter"), ("replay", None), ("seq", b"")]
    assert _headers(pairs) == (("contract", b"energy_meter"), ("replay", b""), ("seq", b""))
