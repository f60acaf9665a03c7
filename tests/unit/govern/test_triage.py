"""Triage: decisions on quarantined rows are append-only, and accepted rows become curated."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.govern.audit import Audit, audit
from assay.govern.releases import ReleaseRequest, create_release
from assay.govern.roles import Actor, NotPermitted
from assay.govern.triage import (
    AlreadyCurated,
    RowFilter,
    TriageError,
    decide,
    decisions,
    materialize,
)
from assay.govern.triage._conflicts import already_curated
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.landing import MemoryPartition
from assay.pipeline.validate import curation
from assay.pipeline.validate.curation import SEQUENCE_RESET
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.objects import MemoryStore
from assay.store.parquet import to_parquet
from schemas import Contract, load_contract

from .readiness.conftest import KEY, PER_SITE, reading, records

PARAMS: Contract = load_contract("process_params")
BUCKETS = Buckets(raw="raw", deadletter="dead", curated="cur", quarantine="q", reports="rep")
MEI, VERA = Actor("mei", "steward"), Actor("vera", "viewer")
AT = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
HOT = RowFilter(rule="range:barrel_temp_nozzle")


@pytest.fixture(scope="module")
def built() -> MemoryStore:
    store = MemoryStore()
    log = MemoryPartition(records("plant-a", 0))
    landing.land_partition(log, store, BUCKETS, PARAMS, max_records=100)
    curation.validate_pending(store, BUCKETS, PARAMS, 0)
    return store


@pytest.fixture
def store(built: MemoryStore) -> MemoryStore:
    return built.fork()


def audited(store: MemoryStore) -> Audit:
    offsets = (0, PER_SITE, PER_SITE)
    return audit(store, BUCKETS, "dead", PARAMS, {0: offsets})


def test_accepted_rows_move_from_quarantined_to_curated(store: MemoryStore) -> None:
    before = audited(store).totals
    decision = decide(store, BUCKETS, PARAMS, "accept", HOT, "nozzle probe swapped", MEI, AT)
    assert decision.by == "mei" and decision.rows and decision.filter == {"rule": HOT.rule}
    result = audited(store)
    assert result.balanced, result.problems
    after, n = result.totals, len(decision.rows)
    assert (after.accepted, after.curated, after.quarantined) == (
        n,
        before.curated + n,
        before.quarantined - n,
    )
    assert after.produced == after.curated + after.quarantined + after.dead_lettered + (
        after.duplicates
    )
    assert sum(decision.curated.values()) == n
    for key in decision.curated:
        assert layout.accepted_decision(key) == decision.id


def test_a_row_is_decided_once_and_a_reason_is_required(store: MemoryStore) -> None:
    with pytest.raises(TriageError):
        decide(store, BUCKETS, PARAMS, "reject", HOT, "  ", MEI, AT)
    with pytest.raises(NotPermitted):
        decide(store, BUCKETS, PARAMS, "reject", HOT, "too hot", VERA, AT)
    one = RowFilter(rule=HOT.rule, offset=5)
    first = decide(store, BUCKETS, PARAMS, "reject", one, "a real overheat", MEI, AT)
    assert [r.offset for r in first.rows] == [5]
    rest = decide(store, BUCKETS, PARAMS, "accept", HOT, "probe swapped", MEI, AT)
    assert 5 not in {r.offset for r in rest.rows}
    with pytest.raises(TriageError):
        decide(store, BUCKETS, PARAMS, "accept", HOT, "again", MEI, AT + timedelta(1))
    result = audited(store)
    assert result.balanced and result.totals.rejected == 1


def test_a_decision_cannot_be_overwritten_and_a_changed_one_is_found(store: MemoryStore) -> None:
    decision = decide(store, BUCKETS, PARAMS, "accept", HOT, "probe swapped", MEI, AT)
    key = layout.decision_key("process_params", 1, decision.id)
    assert store.create(BUCKETS.quarantine, key, b"{}") is False
    forged = {**json.loads(store.get(BUCKETS.quarantine, key)), "reason": "nobody said so"}
    store.put(BUCKETS.quarantine, key, json.dumps(forged).encode())
    assert any("changed after it was recorded" in p for p in audited(store).problems)


def test_a_missing_accepted_object_is_reported_and_materialize_restores_it(
    store: MemoryStore,
) -> None:
    decision = decide(store, BUCKETS, PARAMS, "accept", HOT, "probe swapped", MEI, AT)
    key = next(iter(decision.curated))
    original = store.get(BUCKETS.curated, key)
    store.delete(BUCKETS.curated, key)
    assert any("is missing" in p for p in audited(store).problems)
    [found] = decisions(store, BUCKETS.quarantine, PARAMS)
    assert materialize(store, BUCKETS, PARAMS, found) == [key]
    assert store.get(BUCKETS.curated, key) == original  # derived from the decision alone
    assert materialize(store, BUCKETS, PARAMS, found) == []
    assert audited(store).balanced


def test_a_release_lists_the_decisions_whose_rows_it_holds(store: MemoryStore) -> None:
    decision = decide(store, BUCKETS, PARAMS, "accept", HOT, "probe swapped", MEI, AT)
    request = ReleaseRequest(
        PARAMS,
        "1.0.0",
        datetime(2026, 3, 1).date(),
        datetime(2026, 3, 3).date(),
        AT,
        "CC-BY-4.0",
        requested_by="mei",
    )
    from assay.govern.releases import LockTerms

    manifest = create_release(store, BUCKETS, request, KEY, LockTerms.after(AT, 30)).manifest
    [listed] = manifest["decisions"]
    assert (listed["id"], listed["verdict"], listed["rows"]) == (decision.id, "accept", 5 + 2)
    assert manifest["totals"]["rows"] == audited(store).totals.curated


rows = st.fixed_dictionaries(
    {
        "site": st.sampled_from(["a", "b"]),
        "device_id": st.sampled_from(["d1", "d2"]),
        "failed_rules": st.lists(st.sampled_from(["r1", "r2", "r3"]), max_size=2),
        "failed_dimensions": st.lists(st.sampled_from(["accuracy", "normative"]), max_size=2),
        "event_time": st.integers(0, 10).map(lambda h: AT + timedelta(hours=h)),
        "raw_object": st.sampled_from(["o1", "o2"]),
        "kafka_offset": st.integers(0, 3),
    }
)
filters = st.builds(
    RowFilter,
    rule=st.none() | st.sampled_from(["r1", "r2", "r9"]),
    dimension=st.none() | st.sampled_from(["accuracy", "timeliness"]),
    site=st.none() | st.sampled_from(["a", "c"]),
    device=st.none() | st.sampled_from(["d1"]),
    since=st.none() | st.integers(0, 10).map(lambda h: AT + timedelta(hours=h)),
    until=st.none() | st.integers(0, 10).map(lambda h: AT + timedelta(hours=h)),
    raw_object=st.none() | st.sampled_from(["o1"]),
    offset=st.none() | st.integers(0, 3),
)


def expected(f: RowFilter, row: dict[str, Any]) -> bool:
    checks = [
        f.rule is None or f.rule in row["failed_rules"],
        f.dimension is None or f.dimension in row["failed_dimensions"],
        f.site in (None, row["site"]),
        f.device in (None, row["device_id"]),
        f.since is None or row["event_time"] >= f.since,
        f.until is None or row["event_time"] < f.until,
        f.raw_object in (None, row["raw_object"]),
        f.offset in (None, row["kafka_offset"]),
    ]
    return all(checks)


@settings(max_examples=200, deadline=None)
@given(st.lists(rows, max_size=12), filters)
def test_the_filter_selects_exactly_the_rows_it_says(
    data: list[dict[str, Any]], f: RowFilter
) -> None:
    schema = pa.schema(
        [
            ("site", pa.string()),
            ("device_id", pa.string()),
            ("failed_rules", pa.list_(pa.string())),
            ("failed_dimensions", pa.list_(pa.string())),
            ("event_time", pa.timestamp("ms", tz="UTC")),
            ("raw_object", pa.string()),
            ("kafka_offset", pa.int64()),
        ]
    )
    table = pa.Table.from_pylist(data, schema=schema)
    got = f.mask(table, PARAMS).to_pylist() if data else []
    assert got == [expected(f, row) for row in data]


def replayed(store: MemoryStore, seqs: list[int]) -> None:
    """Land and validate readings that repeat curated seqs of plant-a, not marked as a
    replay: quarantined as a sequence reset, their (producer_id, seq) already curated."""
    [first, *_] = records("plant-a", 0)
    again = [
        first._replace(offset=PER_SITE + i, value=json.dumps(reading(seq, "plant-a")).encode())
        for i, seq in enumerate(seqs)
    ]
    log = MemoryPartition(records("plant-a", 0) + again)
    landing.land_partition(log, store, BUCKETS, PARAMS, max_records=100)
    curation.validate_pending(store, BUCKETS, PARAMS, 0)


def test_accepting_a_row_already_curated_is_refused_before_anything_is_written(
    store: MemoryStore,
) -> None:
    replayed(store, [1, 2, 3])
    reset = RowFilter(rule=SEQUENCE_RESET)
    before = dict(store.objects)
    with pytest.raises(AlreadyCurated) as refused:
        decide(store, BUCKETS, PARAMS, "accept", reset, "the gateway was reflashed", MEI, AT)
    assert refused.value.pairs == [("edge-plant-a", 1), ("edge-plant-a", 2), ("edge-plant-a", 3)]
    assert refused.value.contract == "process_params"
    assert store.objects == before
    rejected = decide(store, BUCKETS, PARAMS, "reject", reset, "a replayed spool", MEI, AT)
    assert len(rejected.rows) == 3
    assert not any("more than once" in p for p in audited(store).problems)


def test_apply_refuses_an_acceptance_whose_reading_was_curated_meanwhile(
    store: MemoryStore,
) -> None:
    decision = decide(store, BUCKETS, PARAMS, "accept", HOT, "probe swapped", MEI, AT)
    key = next(iter(decision.curated))
    store.put(BUCKETS.curated, key.replace("accepted-", "copied-"), store.get(BUCKETS.curated, key))
    store.delete(BUCKETS.curated, key)
    with pytest.raises(AlreadyCurated) as refused:
        materialize(store, BUCKETS, PARAMS, decision)
    assert refused.value.decision == decision.id and refused.value.pairs
    assert store.head(BUCKETS.curated, key) is None


IDS = pa.schema([("producer_id", pa.string()), ("seq", pa.int64())])
identities = st.lists(st.tuples(st.sampled_from(["p", "q"]), st.integers(0, 6)), max_size=8)


@settings(max_examples=100, deadline=None)
@given(st.lists(identities, max_size=3), identities)
def test_already_curated_finds_exactly_the_repeated_identities(
    objects: list[list[tuple[str, int]]], accepted: list[tuple[str, int]]
) -> None:
    store = MemoryStore()
    for n, ids in enumerate(objects):
        table = pa.Table.from_pylist([{"producer_id": p, "seq": s} for p, s in ids], schema=IDS)
        store.put("cur", f"process_params/v1/date=2026-03-01/o{n}.parquet", to_parquet(table))
    rows = pa.Table.from_pylist([{"producer_id": p, "seq": s} for p, s in accepted], schema=IDS)
    curated = {i for ids in objects for i in ids}
    repeats = {i for i in accepted if accepted.count(i) > 1}
    found = already_curated(store, "cur", PARAMS, rows)
    assert set(found) == (set(accepted) & curated) | repeats
