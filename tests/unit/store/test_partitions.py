"""The partitions a contract has are those its objects name, never ``0..partitions-1``."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assay.store import layout, partitions
from assay.store.buckets import Buckets
from assay.store.objects import MemoryStore
from schemas import Contract, load_contract

ENERGY = load_contract("energy_meter").model_copy(update={"partitions": 2})
BUCKETS = Buckets(raw="raw", reports="rep")
TOPIC = "assay.energy_meter.v1"
PARTS = st.sets(st.integers(0, 5000), max_size=12)


def segment(partition: int, start: int = 0) -> layout.Segment:
    return layout.Segment(TOPIC, partition, start)


def holding(
    raw: set[int], ledgers: set[int], losses: set[int], c: Contract = ENERGY
) -> MemoryStore:
    store = MemoryStore()
    for p in raw:
        store.put("raw", layout.raw_key(c.name, c.major, segment(p)), b"")
    for p in ledgers:
        store.put("rep", layout.expiry_ledger_prefix(c.name, c.major, p) + "run.json", b"{}")
    for p in losses:
        store.put("raw", layout.loss_key(c.name, c.major, p, 7), b"{}")
    return store


@given(PARTS, PARTS, PARTS)
def test_every_partition_anything_was_stored_for_is_found(
    raw: set[int], ledgers: set[int], losses: set[int]
) -> None:
    store = holding(raw, ledgers, losses)
    assert partitions.landed(store, "raw", ENERGY) == raw
    assert partitions.expired(store, "rep", ENERGY) == ledgers
    assert partitions.lost(store, "raw", ENERGY) == losses
    assert partitions.stored(store, BUCKETS, ENERGY) == sorted(raw | ledgers | losses)


@given(PARTS)
def test_another_contract_or_major_names_none_of_this_ones(found: set[int]) -> None:
    other = ENERGY.model_copy(update={"name": "energy_meter_x"})
    store = holding(found, found, found, other)
    for p in found:  # the next major of the same contract
        store.put("raw", layout.raw_key(ENERGY.name, ENERGY.major + 1, segment(p)), b"")
    assert partitions.stored(store, BUCKETS, ENERGY) == []


@given(st.lists(st.text(max_size=40), max_size=20), st.text(max_size=10))
def test_any_key_names_a_partition_only_through_a_whole_folder(
    keys: list[str], prefix: str
) -> None:
    found = partitions.named(keys, prefix)
    for p in found:
        assert any(k.startswith(f"{prefix}partition={p}/") for k in keys)


@given(PARTS, st.sets(st.integers(0, 5000), max_size=12))
def test_known_is_the_ordered_union(topic: set[int], stored: set[int]) -> None:
    assert partitions.known(topic, stored) == sorted(topic | stored)


def test_folders_not_of_the_form_name_no_partition() -> None:
    prefix = "c/v1/"
    keys = [
        "c/v1/partition=3.json",
        "c/v1/partition=/x",
        "c/v1/partition=-1/x",
        "c/v1/partition=01/x",
        "c/v1/partition=x/y",
        "c/v1/sub/partition=4/x",
        "d/v1/partition=5/x",
        "c/v1/partition=12/a.parquet",
    ]
    assert partitions.named(keys, prefix) == {12}
