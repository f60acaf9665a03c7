"""Where faults go: exact counts, one fault per reading, every fault between clean readings.

A fault (or a whole stuck run) occupies readings ``lo..hi`` of one device in a chunk; it
may only go where ``lo - 1`` and ``hi + 1`` exist and are clean, so no two faults touch
and each faulty reading's neighbours are healthy. That keeps stream rules exact: a
dropped (dead-lettered) reading never widens a gap past two steps, a counter dip never
meets another one, and a stuck run has exactly the length written in the ground truth.
"""

from __future__ import annotations

from collections.abc import Callable
from random import Random

__all__ = ["Eligible", "Occupancy", "place", "split_counts"]

Eligible = Callable[[int, int], bool]  # (device, first index) -> may a fault start here?
RANDOM_TRIES = 64


class Occupancy:
    """Which readings of a chunk already carry a fault."""

    def __init__(self, devices: int, length: int) -> None:
        self.length = length
        self.taken: list[set[int]] = [set() for _ in range(devices)]

    def free(self, device: int, lo: int, hi: int) -> bool:
        """True when ``lo..hi`` fit with a clean reading on either side."""
        if lo < 1 or hi + 1 >= self.length:
            return False
        taken = self.taken[device]
        return not any(i in taken for i in range(lo - 1, hi + 2))

    def take(self, device: int, lo: int, hi: int) -> None:
        """Mark ``lo..hi`` as faulty."""
        self.taken[device].update(range(lo, hi + 1))


def place(occ: Occupancy, rng: Random, run: int, ok: Eligible) -> tuple[int, int] | None:
    """A free, eligible start ``(device, index)`` for a run of ``run`` readings, or None."""
    devices, span = len(occ.taken), occ.length - run - 1
    if span < 1:
        return None
    for _ in range(RANDOM_TRIES):
        device, lo = rng.randrange(devices), rng.randint(1, span)
        if occ.free(device, lo, lo + run - 1) and ok(device, lo):
            return device, lo
    return _scan(occ, rng, run, ok)


def _scan(occ: Occupancy, rng: Random, run: int, ok: Eligible) -> tuple[int, int] | None:
    """Every candidate in turn, from a random one: finds a place whenever there is one."""
    devices, span = len(occ.taken), occ.length - run - 1
    total, first = devices * span, rng.randrange(devices * span)
    for step in range(total):
        device, offset = divmod((first + step) % total, span)
        lo = offset + 1
        if occ.free(device, lo, lo + run - 1) and ok(device, lo):
            return device, lo
    return None


def split_counts(count: int, sizes: list[int]) -> list[int]:
    """``count`` split over chunks in proportion to their sizes; the parts sum to ``count``."""
    total, done, parts = sum(sizes), 0, []
    for size in sizes:
        cut = count * (done + size) // total - count * done // total
        parts.append(cut)
        done += size
    return parts
