"""Columnar mode: energy meters generated a block at a time with numpy, as ``ReadingBatch``es.

For load tests of the edge at 100k+ readings/s, where the per-reading simulation (a Python
dict per reading, fault placement, the arrival heap) is itself the bound. The fleet has the
same shape as the per-reading run: the same device ids, sites, start, step and per-device
count, and the same physics in vectorised form — power follows the machine state (drawn once
per block from the shift calendar's load), ``I = P / (3 · V · pf)`` per phase on three-phase
meters (L1 only on single-phase ones), an energy register that only rises, sensor noise on
every signal. The values are not the per-reading model's (its random streams are drawn reading
by reading); they are deterministic from the seed all the same.

Clean data only: a columnar run injects no faults, so its ground truth is exact by
construction — every reading it yields is expected in curated, and ``truth()`` says so with
the same layout as the per-reading run. Blocks leave device by device (block 0 of every
device, then block 1, ...), so each device's readings stay in event-time order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from producers._reading import ReadingBatch
from producers.encoding import epoch_ms
from producers.simulator._calendar import load_factor
from producers.simulator._config import SimulatorConfig
from producers.simulator._errors import SimulatorError
from producers.simulator._fleet import device_id, site_of
from producers.simulator._truth import TruthRecorder, truth_document
from schemas import Contract, load_contract

__all__ = ["COLUMNAR_CONTRACTS", "ColumnarSimulation"]

COLUMNAR_CONTRACTS = ("energy_meter",)
NOMINAL_V = 220.0
_TIME = pa.timestamp("ms", tz="UTC")
# state -> (draw low, draw high, power factor low, power factor high), as in _energy
_RUN, _IDLE, _FAULT = (0.6, 0.9, 0.86, 0.95), (0.08, 0.15, 0.55, 0.7), (0.02, 0.05, 0.4, 0.6)


@dataclass
class _Meter:
    """One meter's fixed traits and the state carried from block to block."""

    rng: np.random.Generator
    three_phase: bool
    rated_kw: float
    energy: float
    circuit: str | None
    draw: float


class ColumnarSimulation:
    """A deterministic columnar run of one contract's fleet (``energy_meter`` only)."""

    def __init__(self, config: SimulatorConfig, contract: Contract | None = None) -> None:
        check_columnar(config)
        self.config = config
        self.contract = contract or load_contract(config.contract)
        self.start_ms = epoch_ms(config.start_time())
        self.meters = [_meter(config, i) for i in range(config.devices)]
        self.recorder = TruthRecorder(config, self.contract)
        self.complete = False

    def batches(self, block: int, record: bool = True) -> Iterator[ReadingBatch]:
        """Every reading, ``block`` per device at a time.

        With ``record`` each batch counts in the ground truth as it is yielded; a consumer that
        may drop one (a paced source being stopped) passes False and calls ``record`` itself.
        """
        config, n = self.config, self.config.per_device
        for lo in range(0, n, block):
            size = min(block, n - lo)
            for d, meter in enumerate(self.meters):
                first = self.start_ms + d * config.step_ms // config.devices + lo * config.step_ms
                columns = self._block(meter, first, size)
                batch = ReadingBatch(
                    self.contract.name, device_id(config, d), columns, site=site_of(config, d)
                )
                if record:
                    self.record(batch)
                yield batch
        self.complete = True

    def record(self, batch: ReadingBatch) -> None:
        """Count ``batch`` in the ground truth (see ``batches``)."""
        self.recorder.readings += batch.count

    def _block(self, meter: _Meter, first_ms: int, n: int) -> pa.Table:
        step = self.config.step_ms
        times = first_ms + step * np.arange(n, dtype=np.int64)
        low, high, pf_low, pf_high = _state(meter.rng, load_factor(first_ms, 8.0))
        rng = meter.rng
        draw = np.clip(meter.draw + np.cumsum(rng.normal(0, 0.01, n)), low, high)
        meter.draw = float(draw[-1])
        power = meter.rated_kw * draw * (1 + rng.normal(0, 0.01, n))
        energy = meter.energy + np.cumsum(np.maximum(power, 0) * (step / 1000 / 3600))
        meter.energy = float(energy[-1])
        volts = NOMINAL_V * (1 + rng.normal(0, 0.006, (3, n)))
        pf = rng.uniform(pf_low, pf_high, n)
        columns: dict[str, Any] = {
            "event_time": pa.array(times, _TIME),
            "circuit": pa.repeat(pa.scalar(meter.circuit, pa.string()), n),
            "active_power": _rounded(power, 2),
            "active_energy": _rounded(energy, 3),
            **_phases(meter, rng, power, volts, pf),
            "power_factor": _rounded(pf, 3),
            "frequency": _rounded(50 + rng.normal(0, 0.02, n), 3),
        }
        return pa.Table.from_arrays(list(columns.values()), names=list(columns))

    def truth(self) -> dict[str, Any]:
        """The ground truth so far: every yielded reading expected in curated, no faults."""
        return truth_document(self.config, self.start_ms, self.complete, self.recorder)


def check_columnar(config: SimulatorConfig) -> None:
    """Raise ``SimulatorError`` unless ``config`` can run in columnar mode."""
    if config.contract not in COLUMNAR_CONTRACTS:
        raise SimulatorError(
            f"columnar mode simulates {', '.join(COLUMNAR_CONTRACTS)}, not {config.contract}"
        )
    if config.requested():
        raise SimulatorError(
            "columnar mode injects no faults; use the per-reading mode for fault injection"
        )


def _meter(config: SimulatorConfig, index: int) -> _Meter:
    rng = np.random.default_rng([config.seed, index, 0xE7])
    three = bool(rng.random() < 0.8)
    rated = float(rng.uniform(60, 400) if three else rng.uniform(5, 20))
    circuit = f"F{index % 40 + 1:02d}-L{rng.integers(1, 7)}" if rng.random() < 0.9 else None
    return _Meter(rng, three, rated, float(rng.uniform(1_000, 500_000)), circuit, 0.75)


def _state(rng: np.random.Generator, load: float) -> tuple[float, float, float, float]:
    """The machine state of a block: running with the plant's load, rarely faulted."""
    roll = rng.random()
    return _FAULT if roll < 0.01 else _RUN if roll < 0.1 + 0.85 * load else _IDLE


def _phases(
    meter: _Meter, rng: np.random.Generator, power: np.ndarray, volts: np.ndarray, pf: np.ndarray
) -> dict[str, Any]:
    n = len(power)
    if not meter.three_phase:
        nothing = pa.nulls(n, pa.float64())
        return {
            "voltage_l1": _rounded(volts[0], 1),
            "voltage_l2": nothing,
            "voltage_l3": nothing,
            "current_l1": _rounded(power * 1000 / (volts[0] * pf), 2),
            "current_l2": nothing,
            "current_l3": nothing,
        }
    share = 1 + rng.normal(0, 0.01, (3, n))  # a slightly unbalanced load
    amps = share * power * 1000 / (3 * volts * pf)
    return {
        **{f"voltage_l{p + 1}": _rounded(volts[p], 1) for p in range(3)},
        **{f"current_l{p + 1}": _rounded(amps[p], 2) for p in range(3)},
    }


def _rounded(values: np.ndarray, digits: int) -> pa.Array:
    """Floats rounded for the wire (sensors report a fixed resolution), as an Arrow array."""
    return pa.array(np.round(values, digits), pa.float64())
