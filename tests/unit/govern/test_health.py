"""``assay status``: stalls, losses, expiries not yet recorded, and what is out of reach."""

from __future__ import annotations

from assay.errors import KafkaUnavailable
from assay.govern.health import Expired, pipeline_health
from assay.pipeline import problems
from assay.store.objects import MemoryStore
from schemas import Contract, load_contract

ENERGY: Contract = load_contract("energy_meter")


def loss(start: int, end: int) -> problems.Loss:
    return problems.Loss(ENERGY.name, "t", 2, start, end, end, start, "2026-03-01T00:00:00+00:00")


def test_stalls_losses_and_unrecorded_expiries_need_an_operator() -> None:
    store = MemoryStore()
    problems.note_stall(store, "rep", ENERGY, "ingest", 1, 42, ValueError("bad"), at="2026-03-01")
    problems.record_loss(store, "raw", ENERGY, loss(0, 7))
    health = pipeline_health(
        store, "raw", "rep", [ENERGY], lambda c: {0: (50, 90, 30), 1: (0, 90, 42)}
    )
    assert [(s.partition, s.offset, s.since, s.error) for s in health.stalls] == [
        (1, 42, "2026-03-01", "bad")
    ]
    assert [(x.partition, x.start, x.end) for x in health.losses] == [(2, 0, 7)]
    assert health.expired == [Expired(ENERGY.name, 0, 30, 50)]
    assert not health.ok


def test_acknowledged_losses_are_settled() -> None:
    store = MemoryStore()
    problems.record_loss(store, "raw", ENERGY, loss(0, 7))
    (found,) = problems.losses(store, "raw", ENERGY)
    problems.acknowledge_loss(store, "raw", ENERGY, found, "ops", "known outage")
    assert pipeline_health(store, "raw", "rep", [ENERGY], lambda c: {0: (7, 9, 9)}).ok


def test_a_broker_out_of_reach_is_reported_not_raised() -> None:
    def down(contract: Contract) -> dict[int, tuple[int, int, int | None]]:
        raise KafkaUnavailable("assay.energy_meter.v1", "connection refused")

    asked = []

    def counted(contract: Contract) -> dict[int, tuple[int, int, int | None]]:
        asked.append(contract.name)
        return down(contract)

    health = pipeline_health(MemoryStore(), "raw", "rep", [ENERGY, ENERGY], counted)
    assert len(health.unreachable) == 1 and "connection refused" in health.unreachable[0]
    assert asked == [ENERGY.name]  # asked once, not once per contract
    assert not health.ok
