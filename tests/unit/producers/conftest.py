"""Fixtures for the edge's unit tests: a contract, readings and a spool in a temp folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from producers import Encoder, Reading, Spool, SpoolLimits
from schemas import Contract, load_contract

T0 = datetime(2025, 3, 1, 8, 0, 0, 125000, tzinfo=UTC)


@pytest.fixture
def contract() -> Contract:
    return load_contract("energy_meter")


@pytest.fixture
def encoder(contract: Contract) -> Encoder:
    return Encoder(contract, producer_id="gw-01", site="plant-a")


def meter_values(i: int = 0) -> dict[str, object]:
    """Values of one plausible energy meter reading."""
    return {
        "circuit": "F-01",
        "active_power": 12.5 + i,
        "active_energy": 1000.0 + i,
        "voltage_l1": 230.1,
        "voltage_l2": None,
        "voltage_l3": None,
        "current_l1": 10.0,
        "current_l2": None,
        "current_l3": None,
        "power_factor": 0.95,
        "frequency": 50.0,
    }


def reading(i: int = 0, device: str = "meter-1", **kw: object) -> Reading:
    return Reading("energy_meter", device, T0 + timedelta(seconds=i), meter_values(i), **kw)  # type: ignore[arg-type]


@pytest.fixture
def spool_at(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened: list[Spool] = []

    def open_spool(limits: SpoolLimits | None = None, producer: str = "gw-01") -> Spool:
        spool = Spool(tmp_path / "spool.db", producer, limits)
        opened.append(spool)
        return spool

    yield open_spool
    for spool in opened:
        spool.close()  # closing twice is harmless
