"""A simulation run: generate chunk by chunk, inject faults, yield readings in arrival order.

Devices are stepped through fixed chunks of their timeline (so memory stays bounded on
long runs); each chunk is generated clean (with any planned legitimate resets), then the
chunk's share of every fault kind is placed and applied. Readings leave in the order they
arrive at the edge (``arrival_ms``: event time plus a 20-250 ms transport latency, or the
shifted arrival of a timing fault); a heap holds readings until no later chunk can
produce an earlier arrival.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from random import Random
from typing import Any

from producers._reading import Reading
from producers.encoding import epoch_ms
from producers.simulator._config import FaultKind, SimulatorConfig
from producers.simulator._device import DeviceContext
from producers.simulator._feasible import check_feasible, check_placed
from producers.simulator._fleet import build_fleet, device_id, site_of, stream
from producers.simulator._images import ImageStore, Put
from producers.simulator._inject import MAX_LATENCY_MS, MIN_LATENCY_MS, Chunk, Injector
from producers.simulator._plan import Occupancy, place, split_counts
from producers.simulator._simulated import Simulated
from producers.simulator._slot import Slot
from producers.simulator._truth import TruthRecorder, truth_document
from schemas import Contract, load_contract

__all__ = ["CHUNK_READINGS", "Simulated", "Simulation"]

CHUNK_READINGS = 50_000  # readings of all devices held at once
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Simulation:
    """A deterministic run of one contract's simulated fleet."""

    def __init__(self, config: SimulatorConfig, contract: Contract | None = None,
                 put: Put | None = None, now: datetime | None = None) -> None:  # fmt: skip
        self.config = config
        self.contract = contract or load_contract(config.contract)
        self.start_ms = epoch_ms(config.start_time(now))
        self.images = ImageStore(config.image_dir, config.image_uri_prefix, put)
        ctx = DeviceContext(
            config.seed, config.step_ms / 1000, config.utc_offset_hours, self.images
        )
        self.devices = build_fleet(config, ctx)
        self.injector = Injector(self.contract, config, self.start_ms)
        check_feasible(self.contract, config, self.injector)
        self.recorder = TruthRecorder(config, self.contract)
        self.complete = False
        self._fault_ids = 0

    def chunks(self) -> list[tuple[int, int]]:
        """Index ranges ``[lo, hi)`` of every device's timeline, one per chunk."""
        n = self.config.per_device
        size = max(CHUNK_READINGS // self.config.devices, 4 * (self._longest_run() + 2))
        bounds = [*range(0, n, size), n]
        if len(bounds) > 2 and bounds[-1] - bounds[-2] < size // 2:
            del bounds[-2]  # fold a short tail into the chunk before it
        return list(pairwise(bounds))

    def _longest_run(self) -> int:
        return max((self.injector.run_length(k) for k in self.config.requested()), default=1)

    def run(self, record: bool = True) -> Iterator[Simulated]:
        """Every reading of the run, in arrival order.

        With ``record`` each reading counts in the ground truth as it is yielded; a consumer
        that may drop a reading (a paced source being stopped) passes False and calls
        ``record`` for the readings it really hands on.
        """
        heap: list[tuple[int, int, int, Slot]] = []
        carry = dict.fromkeys(self.config.requested(), 0)
        chunks = self.chunks()
        sizes = [hi - lo for lo, hi in chunks]
        shares = {k: split_counts(n, sizes) for k, n in self.config.requested().items()}
        for c, (lo, hi) in enumerate(chunks):
            quota = {k: carry[k] + shares[k][c] for k in carry}
            resets = quota.pop(FaultKind.LEGITIMATE_RESET, 0)
            chunk, occ, unplaced = self._generate(c, lo, hi, resets)
            carry = self._inject(c, chunk, occ, quota)
            if resets or unplaced:
                carry[FaultKind.LEGITIMATE_RESET] = unplaced
            for slot in (s for slots in chunk for s in slots):
                heapq.heappush(heap, (slot.arrival_ms, slot.device, slot.k, slot))
            yield from self._drain(heap, self._watermark(hi), record)
        check_placed(self.contract, self.config, carry)
        yield from self._drain(heap, None, record)
        self.complete = True

    def _watermark(self, next_lo: int) -> int:
        """No reading of a later chunk arrives before this instant."""
        early = self.config.skew_ms if FaultKind.CLOCK_SKEW in self.config.requested() else 0
        return self.start_ms + next_lo * self.config.step_ms - early

    def _drain(
        self, heap: list[tuple[int, int, int, Slot]], until: int | None, record: bool
    ) -> Iterator[Simulated]:
        while heap and (until is None or heap[0][0] < until):
            item = self._emit(heapq.heappop(heap)[3])
            if record:
                self.record(item)
            yield item

    def record(self, item: Simulated) -> None:
        """Count ``item`` in the ground truth (see ``run``)."""
        self.recorder.record(item)

    def _emit(self, slot: Slot) -> Simulated:
        index = slot.device
        reading = Reading(
            contract=self.contract.name,
            device_id=device_id(self.config, index),
            event_time=_EPOCH + timedelta(milliseconds=slot.event_ms),
            values=slot.values,
            site=site_of(self.config, index),
        )
        return Simulated(reading, slot.arrival_ms, slot.fault, slot.fault_id, slot.note)

    def _generate(self, c: int, lo: int, hi: int, resets: int) -> tuple[Chunk, Occupancy, int]:
        """Clean readings ``lo..hi`` of every device, legitimate resets planned first."""
        timing, faults = stream(self.config, "timing", c), stream(self.config, "faults", c)
        occ = Occupancy(self.config.devices, hi - lo)
        planned = _plan_resets(occ, faults, resets)
        step, n = self.config.step_ms, self.config.devices
        chunk: Chunk = []
        for d, device in enumerate(self.devices):
            phase = d * step // n
            slots = []
            for k in range(lo, hi):
                event = self.start_ms + phase + k * step
                arrival = event + timing.randint(MIN_LATENCY_MS, MAX_LATENCY_MS)
                values = device.reading(event, (d, k - lo) in planned)
                slots.append(Slot(d, k, event, arrival, values))
            chunk.append(slots)
        for d, i in sorted(planned):
            self._mark(FaultKind.LEGITIMATE_RESET, chunk[d], i, faults)
        return chunk, occ, resets - len(planned)

    def _inject(self, c: int, chunk: Chunk, occ: Occupancy,
                quota: dict[FaultKind, int]) -> dict[FaultKind, int]:  # fmt: skip
        """Place and apply this chunk's faults; return what did not fit (carried on)."""
        rng, left = stream(self.config, "inject", c), {}
        for kind, count in quota.items():
            run, ok = self.injector.run_length(kind), self.injector.eligible(kind, chunk)
            placed = 0
            while placed < count and (spot := place(occ, rng, run, ok)) is not None:
                occ.take(spot[0], spot[1], spot[1] + run - 1)
                self._mark(kind, chunk[spot[0]], spot[1], rng)
                placed += 1
            left[kind] = count - placed
        return left

    def _mark(self, kind: FaultKind, slots: list[Slot], lo: int, rng: Random) -> None:
        self._fault_ids += 1
        self.injector.apply(kind, slots, lo, self._fault_ids, rng)

    def truth(self) -> dict[str, Any]:
        """The ground truth of what has been yielded so far (see ``_truth``)."""
        return truth_document(self.config, self.start_ms, self.complete, self.recorder)


def _plan_resets(occ: Occupancy, rng: Random, count: int) -> set[tuple[int, int]]:
    """Up to ``count`` isolated places for a legitimate counter reset."""
    planned: set[tuple[int, int]] = set()
    for _ in range(count):
        spot = place(occ, rng, 1, lambda d, lo: True)
        if spot is None:
            break
        occ.take(spot[0], spot[1], spot[1])
        planned.add(spot)
    return planned
