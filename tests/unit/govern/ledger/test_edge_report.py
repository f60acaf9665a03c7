"""An edge report is a file someone hands over: any bytes give figures, None, or a named error."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from assay.govern.ledger import EdgeReportInvalid
from assay.govern.ledger._edge import EdgeTopic, parse_edge_report

TOPIC = "assay.energy_meter.v1"
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
topic_like = st.fixed_dictionaries(
    {k: values for k in ("spooled", "sent", "first_seq", "last_seq")}
    | {
        k: st.lists(st.lists(values, max_size=3), max_size=3)
        for k in ("held_ranges", "dropped_ranges", "parked_ranges")
    }
)
documents = st.fixed_dictionaries(
    {
        "producer_id": values,
        "ledger": st.fixed_dictionaries(
            {
                "since_seq": values,
                "topics": st.dictionaries(
                    st.just(TOPIC) | st.text(max_size=8), topic_like | values, max_size=2
                ),
            }
        )
        | values,
    }
)


def parsed(data: bytes) -> EdgeTopic | EdgeReportInvalid | None:
    try:
        return parse_edge_report(data, "gw.json", TOPIC)
    except EdgeReportInvalid as exc:
        return exc


@given(st.binary(max_size=200))
def test_any_bytes_are_figures_none_or_a_named_error(data: bytes) -> None:
    found = parsed(data)
    if isinstance(found, EdgeReportInvalid):
        assert "gw.json" in str(found)


@given(documents | values)
def test_any_json_shaped_like_a_report_is_figures_none_or_a_named_error(doc: object) -> None:
    found = parsed(json.dumps(doc).encode())
    assert found is None or isinstance(found, EdgeTopic | EdgeReportInvalid)


def test_numbers_json_cannot_hold_in_an_int_and_deep_nesting_are_named() -> None:
    huge = b'{"producer_id": "gw", "ledger": {"since_seq": 1e400, "topics": {"%s": {}}}}' % (
        TOPIC.encode()
    )
    assert isinstance(parsed(huge), EdgeReportInvalid)
    assert isinstance(parsed(b"[" * 100_000 + b"]" * 100_000), EdgeReportInvalid)
