"""How a run splits its partitions into tasks: alone when busy, together when not.

A mapped Airflow task costs seconds before it does anything (a process, the DAG file, the
execution API), whatever it has to do. One task per partition is right for a backlog — the
partitions spread over the workers and each task is long — and wrong for a trickle: six
partitions with a few dozen readings each made six tasks, two at a time, for well under a
second of work. So a run plans *units*: a partition with at least ``alone`` pending work is
a unit of its own; the partitions with less share at most ``slots`` units (one if their
total is below ``alone``), balanced by pending work; a partition with nothing pending gets
no task at all. Within a unit each partition is still its own transaction (its own offset
range and commit, its own segments), so retrying a unit redoes nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Tasks of one run at a time (``max_active_tis_per_dagrun``): the stack's two cores.
SLOTS = 2


def units(pending: Mapping[int, int], *, slots: int, alone: int) -> list[list[int]]:
    """Partitions with pending work (records, segments: any additive measure) grouped into
    task units, busy partitions first, each unit in partition order."""
    if slots < 1 or alone < 1:
        raise ValueError(f"slots and alone must be at least 1, not {slots} and {alone}")
    busy = [[p] for p in sorted(pending) if pending[p] >= alone]
    small = sorted((p for p in pending if 0 < pending[p] < alone), key=lambda p: (-pending[p], p))
    if not small:
        return busy
    total = sum(pending[p] for p in small)
    bins: list[tuple[int, list[int]]] = [(0, []) for _ in range(1 if total < alone else slots)]
    for p in small:  # largest first into the lightest unit: a greedy balance
        i = min(range(len(bins)), key=lambda k: (bins[k][0], k))
        load, members = bins[i]
        bins[i] = (load + pending[p], [*members, p])
    return busy + [sorted(members) for _, members in bins if members]


def label(partitions: list[int]) -> str:
    """How a unit reads in Airflow's grid: ``partition 3`` or ``partitions 0, 2, 5``."""
    if len(partitions) == 1:
        return f"partition {partitions[0]}"
    return "partitions " + ", ".join(str(p) for p in partitions)
