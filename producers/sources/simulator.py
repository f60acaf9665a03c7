"""Source kind ``simulator``: a simulated fleet of one contract, with exact fault injection.

Edge YAML::

    sources:
      - name: sim-energy
        kind: simulator
        contract: energy_meter
        devices: 20
        sites: 2
        rate: 1              # readings per device per second
        duration: 8h         # or count: readings per device
        seed: 7
        live: true           # pace to the wall clock (start defaults to now)
        faults: {out_of_range: 5, stuck: 1, duplicate: 3}
        truth: truth/sim-energy.json

Without ``live`` the readings come as fast as the edge takes them, with simulated event
times. The ground truth (see ``producers.simulator``) is written to ``truth`` when the
run ends or is stopped. ``SimulatorSource(..., put=...)`` takes an uploader for the
visual-inspection images (claim-check).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from threading import Event
from typing import Literal

from pydantic import Field

from producers._reading import Reading
from producers.simulator import Put, Simulation, SimulatorConfig
from producers.sources._base import SourceContext, SourceOptions
from schemas import Contract

__all__ = ["Options", "SimulatorSource", "build"]


class Options(SourceOptions, SimulatorConfig):
    """A simulator source: the options every source has plus the simulator's own."""

    kind: Literal["simulator"] = "simulator"
    truth: Path | None = Field(default=None, description="where to write the ground truth")


class SimulatorSource:
    """Yields a simulation's readings, paced to the wall clock in live mode."""

    def __init__(self, options: Options, contract: Contract | None = None, put: Put | None = None,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.name = options.name
        self.options = options
        self.contract = contract
        self.put = put
        self.clock = clock
        self.simulation: Simulation | None = None

    def readings(self, stop: Event) -> Iterator[Reading]:
        """Every simulated reading in arrival order until the run ends or ``stop`` is set."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        sim = Simulation(self._config(), self.contract, self.put, now)
        self.simulation = sim
        try:
            for item in sim.run(record=False):
                if stop.is_set() or (self.options.live and self._wait(item.arrival_ms, stop)):
                    return
                sim.record(item)
                yield self._site(item.reading)
        finally:
            self._write_truth(sim)

    def _config(self) -> SimulatorConfig:
        fields = SimulatorConfig.model_fields
        return SimulatorConfig(**{k: getattr(self.options, k) for k in fields})

    def _wait(self, arrival_ms: int, stop: Event) -> bool:
        """Sleep until the reading arrives; True when stopped meanwhile."""
        delay = arrival_ms / 1000 - self.clock()
        return delay > 0 and stop.wait(delay)

    def _site(self, reading: Reading) -> Reading:
        site = self.options.site
        return reading if site is None else replace(reading, site=site)

    def _write_truth(self, sim: Simulation) -> None:
        if self.options.truth is None:
            return
        self.options.truth.parent.mkdir(parents=True, exist_ok=True)
        self.options.truth.write_text(json.dumps(sim.truth(), indent=2), encoding="utf-8")


def build(options: Options, context: SourceContext) -> SimulatorSource:
    """The edge's entry point for ``kind: simulator``."""
    return SimulatorSource(options, context.contract)
