"""Planning a run's tasks: busy partitions alone, quiet ones together, idle ones not at all."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.pipeline.airflow.workload import label, units


def test_a_trickle_on_every_partition_is_one_task() -> None:
    assert units({p: 40 for p in range(6)}, slots=2, alone=50_000) == [[0, 1, 2, 3, 4, 5]]


def test_idle_partitions_get_no_task() -> None:
    assert units({0: 0, 1: 0, 2: 7}, slots=2, alone=100) == [[2]]
    assert units({0: 0, 1: 0}, slots=2, alone=100) == []
    assert units({}, slots=2, alone=100) == []


def test_a_backlog_spreads_one_partition_a_task() -> None:
    assert units({0: 500, 1: 100, 2: 900}, slots=2, alone=100) == [[0], [1], [2]]


def test_quiet_partitions_worth_more_than_one_task_share_the_slots_balanced() -> None:
    plan = units({0: 60, 1: 50, 2: 40, 3: 30, 4: 0, 5: 200}, slots=2, alone=100)
    assert plan[0] == [5]  # busy first
    assert sorted(plan[1:]) == [[0, 3], [1, 2]]  # 90 and 90: largest into the lightest


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        units({0: 1}, slots=0, alone=10)


def test_labels_read_as_partitions() -> None:
    assert label([3]) == "partition 3"
    assert label([0, 2, 5]) == "partitions 0, 2, 5"


@given(
    pending=st.dictionaries(st.integers(0, 63), st.integers(0, 1_000), max_size=24),
    slots=st.integers(1, 4),
    alone=st.integers(1, 600),
)
def test_every_partition_with_work_is_planned_exactly_once(
    pending: dict[int, int], slots: int, alone: int
) -> None:
    plan = units(pending, slots=slots, alone=alone)
    planned = [p for unit in plan for p in unit]
    assert sorted(planned) == sorted(p for p, n in pending.items() if n > 0)
    assert all(unit == sorted(unit) and unit for unit in plan)
    shared = [unit for unit in plan if len(unit) > 1 or pending[unit[0]] < alone]
    assert len(shared) <= slots
    assert all(pending[p] < alone for unit in shared for p in unit)
