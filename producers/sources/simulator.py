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
times. ``duplicate`` and ``corrupt`` faults are applied by a ``FaultyTransport`` the source
installs around the edge's Kafka transport, so the edge itself carries no fault. The ground
truth (see ``producers.simulator``) is written to ``truth`` when the run ends or is stopped.
``SimulatorSource(..., put=...)`` takes an uploader for the visual-inspection images
(claim-check).

``columnar: true`` (with ``payload: frame``; ``energy_meter`` only, no ``faults``) generates
each device's readings ``frame_readings`` at a time with numpy and hands them to the edge as
Arrow column batches: no Python object per reading anywhere between the simulator and Kafka.
It is the mode for load-testing a gateway at 100k+ readings/s; its values are plausible but not
the per-reading model's, and its ground truth is exact because it injects nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from threading import Event
from typing import Literal, TypeVar

from pydantic import Field, model_validator

from producers._reading import Reading, ReadingBatch
from producers.encoding import epoch_ms
from producers.simulator import (
    FaultBook,
    FaultyTransport,
    Put,
    Simulated,
    Simulation,
    SimulatorConfig,
    SimulatorError,
)
from producers.simulator._columns import ColumnarSimulation, check_columnar
from producers.simulator._faults import injected
from producers.sources._base import SourceContext, SourceOptions
from schemas import Contract

__all__ = ["Options", "SimulatorSource", "build"]


_Item = TypeVar("_Item", Reading, ReadingBatch)


class Options(SourceOptions, SimulatorConfig):
    """A simulator source: the options every source has plus the simulator's own."""

    kind: Literal["simulator"] = "simulator"
    truth: Path | None = Field(default=None, description="where to write the ground truth")
    columnar: bool = Field(
        default=False,
        description="generate blocks of frame_readings per device with numpy and hand them over "
        "as Arrow columns (payload: frame, energy_meter, no faults): for load tests",
    )

    @model_validator(mode="after")
    def _columnar_fits(self) -> Options:
        if not self.columnar:
            return self
        if self.payload != "frame":
            raise ValueError("columnar: true sends Arrow frames; set payload: frame")
        try:
            check_columnar(self._simulator_config())
        except SimulatorError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def _simulator_config(self) -> SimulatorConfig:
        fields = SimulatorConfig.model_fields
        return SimulatorConfig(**{k: getattr(self, k) for k in fields})


class SimulatorSource:
    """Yields a simulation's readings, paced to the wall clock in live mode."""

    def __init__(self, options: Options, contract: Contract | None = None, put: Put | None = None,
                 clock: Callable[[], float] = time.time,
                 faults: FaultBook | None = None) -> None:  # fmt: skip
        self.name = options.name
        self.options = options
        self.contract = contract
        self.put = put
        self.clock = clock
        self.faults = faults or FaultBook()  # read by the FaultyTransport ``build`` installs
        self.simulation: Simulation | ColumnarSimulation | None = None

    def readings(self, stop: Event) -> Iterator[Reading | ReadingBatch]:
        """Every simulated reading in arrival order until the run ends or ``stop`` is set."""
        if self.options.columnar:
            yield from self._batches(stop)
            return
        now = datetime.fromtimestamp(self.clock(), UTC)
        sim = Simulation(self._config(), self.contract, self.put, now)
        self.simulation = sim
        try:
            for item in sim.run(record=False):
                if stop.is_set() or (self.options.live and self._wait(item.arrival_ms, stop)):
                    return
                sim.record(item)
                self._mark(item)
                yield self._site(item.reading)
        finally:
            self._write_truth(sim)

    def _batches(self, stop: Event) -> Iterator[ReadingBatch]:
        """Columnar mode: one batch per device and block, paced by its last reading when live."""
        now = datetime.fromtimestamp(self.clock(), UTC)
        config = self._config()
        if config.live and config.start is None:
            config = config.model_copy(update={"start": config.start_time(now)})
        sim = ColumnarSimulation(config, self.contract)
        self.simulation = sim
        try:
            for batch in sim.batches(self.options.frame_readings, record=False):
                last_ms = batch.columns.column("event_time")[-1].value
                if stop.is_set() or (self.options.live and self._wait(last_ms, stop)):
                    return
                sim.record(batch)
                yield self._site(batch)
        finally:
            self._write_truth(sim)

    def _mark(self, item: Simulated) -> None:
        fault = injected(item.fault)
        if fault is not None:
            self.faults.mark(item.reading.device_id, epoch_ms(item.reading.event_time), fault)

    def _config(self) -> SimulatorConfig:
        return self.options._simulator_config()

    def _wait(self, arrival_ms: int, stop: Event) -> bool:
        """Sleep until the reading arrives; True when stopped meanwhile."""
        delay = arrival_ms / 1000 - self.clock()
        return delay > 0 and stop.wait(delay)

    def _site(self, item: _Item) -> _Item:
        """The reading or batch with this source's ``site``, when it sets one."""
        site = self.options.site
        return item if site is None else replace(item, site=site)

    def _write_truth(self, sim: Simulation | ColumnarSimulation) -> None:
        if self.options.truth is None:
            return
        self.options.truth.parent.mkdir(parents=True, exist_ok=True)
        self.options.truth.write_text(json.dumps(sim.truth(), indent=2), encoding="utf-8")


def build(options: Options, context: SourceContext) -> SimulatorSource:
    """The edge's entry point for ``kind: simulator``; installs its faults' transport wrapper."""
    book = FaultBook()
    if any(injected(kind) and n for kind, n in options.faults.items()):
        context.wrap_transport(lambda transport: FaultyTransport(transport, book))
    return SimulatorSource(options, context.contract, faults=book)
