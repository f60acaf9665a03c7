"""Reconciliation arithmetic and gap naming, over generated figures."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from assay.govern.ledger import check, reconcile, seal
from assay.govern.ledger._reconcile import holes, runs, size, within

SPAN = 200
seqs = st.sets(st.integers(0, SPAN - 1), max_size=120)
ranges = st.lists(
    st.tuples(st.integers(0, SPAN - 1), st.integers(0, 9)).map(lambda t: [t[0], t[0] + t[1]]),
    max_size=5,
)


def covered(rs: list[list[int]]) -> set[int]:
    return {s for a, b in rs for s in range(a, b + 1)}


@given(seqs)
def test_runs_hold_exactly_the_seqs_in_order(found: set[int]) -> None:
    out = runs(found)
    assert covered(out) == found and size(out) == len(found)
    assert all(b + 1 < c for (_, b), (c, _) in pairwise(out))


@given(seqs, ranges, st.integers(0, SPAN - 1), st.integers(0, SPAN - 1))
def test_holes_are_the_span_less_landed_and_excluded(
    landed: set[int], excluded: list[list[int]], a: int, b: int
) -> None:
    span = [min(a, b), max(a, b)]
    found = holes(runs(landed), span, excluded)
    expected = set(range(span[0], span[1] + 1)) - landed - covered(excluded)
    assert covered(found) == expected and size(found) == len(expected)
    assert set(within(landed, span, excluded)) == (
        landed & set(range(span[0], span[1] + 1))
    ) - covered(excluded)


def partition(**overrides: int) -> dict[str, Any]:
    figures = {"partition": 0, "log_start": 0, "log_end": 100, "committed": 100,
               "landed_to": 100, "produced": 100, "curated": 90, "quarantined": 5,
               "dead_lettered": 2, "duplicates": 3, "awaiting_validation": 0, "accepted": 0,
               "rejected": 0, "lost_records": 0, "expired": 0}  # fmt: skip
    return figures | overrides


def ledger(parts: list[dict[str, Any]], producers: list[dict[str, Any]] | None = None) -> Any:
    rows = sum(p["curated"] for p in parts)
    return {"kafka": {"consulted": True}, "partitions": parts, "producers": producers or [],
            "pipeline_problems": [], "release": {"rows": rows, "files": 1}}  # fmt: skip


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_balanced_figures_have_no_gap(cur: int, quar: int, dead: int, dup: int) -> None:
    part = partition(produced=cur + quar + dead + dup, curated=cur, quarantined=quar,
                     dead_lettered=dead, duplicates=dup)  # fmt: skip
    assert reconcile(ledger([part]), cur) == []


@given(st.integers(-20, 20).filter(bool), st.integers(0, 3))
def test_an_unbalanced_partition_is_named_with_its_difference(off: int, p: int) -> None:
    part = partition(partition=p, produced=100 + off)
    (gap,) = reconcile(ledger([part]), 90)
    assert (gap.kind, gap.partition, gap.readings) == ("pipeline", p, off)


@given(st.integers(1, 500))
def test_records_not_landed_yet_are_no_gap_but_explain_an_edge_gap(more: int) -> None:
    tail = [partition(log_end=100 + more)]
    assert reconcile(ledger(tail), 90) == []  # a topic keeps receiving while we release
    (gap,) = reconcile(ledger(tail, [producer(1000, 990, [[990, 999]])]), 90)
    assert (gap.kind, gap.partition, gap.offsets) == ("edge", 0, [100, 100 + more])
    assert f"offsets 100-{100 + more}" in gap.detail


def producer(sent: int, landed: int, missing: list[list[int]], single: bool = True) -> Any:
    edge = {"sent": sent, "landed_in_scope": landed, "missing_ranges": missing,
            "single_topic": single, "since_seq": 0, "last_seq": sent - 1}  # fmt: skip
    return {"producer_id": "gw-7", "in_release": None, "edge": edge}


@given(st.integers(1, 100), st.integers(0, 100))
def test_readings_the_edge_sent_and_nobody_landed_name_producer_and_seqs(
    first: int, length: int
) -> None:
    missing = [[first, first + length]]
    short = length + 1
    doc = ledger([partition()], [producer(1000, 1000 - short, missing)])
    (gap,) = reconcile(doc, 90)
    assert (gap.kind, gap.producer, gap.seqs, gap.readings) == ("edge", "gw-7", missing, short)
    assert f"{first}-{first + length}" in gap.detail or str(first) in gap.detail


def test_more_landed_than_sent_is_a_gap_too() -> None:
    (gap,) = reconcile(ledger([partition()], [producer(10, 12, [])]), 90)
    assert (gap.kind, gap.readings) == ("edge", -2)


def test_release_rows_beyond_the_curated_are_named() -> None:
    gaps = reconcile(ledger([partition()]), 95)
    assert [g.kind for g in gaps] == ["release", "release"]


def test_a_sealed_ledger_checks_and_a_changed_figure_does_not() -> None:
    body = ledger([partition()])
    sealed = seal(body | {"gaps": []}, None)
    assert check(sealed, 90) == []
    changed = sealed | {"release": {"rows": 80, "files": 1}}
    assert len(check(changed, 90)) == 3  # digest, gaps recomputed, and nobody accepted them


def test_gaps_pass_only_with_a_recorded_acceptance() -> None:
    body = ledger([partition(awaiting_validation=4, produced=104)])
    gaps = [g.to_dict() for g in reconcile(body, 90)]
    assert len(check(seal(body | {"gaps": gaps}, None), 90)) == 1
    accepted = {"by": "s", "at": "t", "reason": "gateway replaced", "gaps": 1}
    assert check(seal(body | {"gaps": gaps}, accepted), 90) == []


any_ranges = st.lists(st.lists(st.integers(-5, SPAN + 5), min_size=2, max_size=2), max_size=30)


@given(st.lists(st.integers(-5, SPAN + 5)), any_ranges, st.integers(0, SPAN), st.integers(0, SPAN))
def test_within_is_the_plain_definition(
    seqs_: list[int], excluded: list[list[int]], a: int, b: int
) -> None:
    """The binary search answers as the definition would, overlapping and inverted ranges too."""
    scope = [min(a, b), max(a, b)]
    plain = [s for s in seqs_ if scope[0] <= s <= scope[1]
             and not any(x <= s <= y for x, y in excluded)]  # fmt: skip
    assert within(seqs_, scope, excluded) == plain
