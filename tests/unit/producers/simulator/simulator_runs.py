"""Small simulated runs of every contract, encoded as the edge would send them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from producers.encoding import Encoder
from producers.simulator import FaultKind, Simulated, Simulation, SimulatorConfig, supported_kinds
from producers.simulator._faults import inject, injected
from schemas import Contract, load_contract

CONTRACTS = (
    "energy_meter",
    "machine_condition",
    "process_params",
    "sorting_events",
    "visual_inspection",
)


@dataclass
class Run:
    """One finished simulation: its items, message values in send order and truth."""

    contract: Contract
    config: SimulatorConfig
    items: list[Simulated]
    lines: list[bytes]
    truth: dict[str, Any]

    @property
    def part(self) -> dict[str, Any]:
        """This contract's section of the truth."""
        return self.truth["contracts"][self.contract.name]


def simulate(contract: str, image_dir: Path, **overrides: Any) -> Run:
    """Run a simulation and encode it like the edge (ingest time = simulated arrival)."""
    settings: dict[str, Any] = {"devices": 3, "sites": 2, "rate": 1.0, "count": 1500, "seed": 11,
                                "image_dir": image_dir, **overrides}  # fmt: skip
    config = SimulatorConfig(contract=contract, **settings)
    sim = Simulation(config)
    items = list(sim.run())
    encoder = Encoder(sim.contract, "sim-test", "site-01")
    lines: list[bytes] = []
    for seq, item in enumerate(items):
        message = encoder.json(item.reading, seq, item.arrival_ms)
        lines += [sent.value for sent, _replay in inject(injected(item.fault), message)]
    return Run(sim.contract, config, items, lines, sim.truth())


def all_faults(contract: str, count: int = 2) -> dict[FaultKind, int]:
    """``count`` of every fault kind the contract can carry."""
    return {kind: count for kind in supported_kinds(load_contract(contract))}
