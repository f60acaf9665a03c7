"""Batches validated in one GX run get exactly the outcome each gets validated alone."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validators_testkit import with_faults

from schemas import load_contract
from validators import (
    TableBatch,
    ValidationOutcome,
    compile_checks,
    sample_table,
    validate_table,
    validate_tables,
    validation_frame,
)
from validators._conform import conform
from validators._gx import run_pass
from validators._slices import batch_first_pass

ENERGY = load_contract("energy_meter")
ROWS = 90
LOAD_TIME = re.compile(r"\d{8}T\d{6}\.\d{6}Z")

#: Faults several rules catch; a null seq makes pandas type the batch's seq as floats.
FAULTS: dict[str, tuple[str, Any]] = {
    "null power": ("active_power", None),
    "power out of range": ("active_power", 9000.0),
    "bad circuit": ("circuit", "bad circuit"),
    "energy dip": ("active_energy", 20.0),
    "from the future": ("event_time", timedelta(hours=1)),
    "null seq": ("seq", None),
    "repeated seq": ("seq", 0),
    "stuck": ("voltage_l1", 230.0),
}


def _faulty(faults: list[tuple[int, str]]) -> pa.Table:
    table = sample_table(ENERGY, ROWS, devices=2)
    nullable = pa.schema([f.with_nullable(True) for f in table.schema])
    return with_faults(table, faults, FAULTS, nullable)


def _comparable(outcome: ValidationOutcome) -> tuple[Any, ...]:
    markers = outcome.result_json["meta"]["batch_markers"]
    report = {**outcome.result_json, "meta": {**outcome.result_json["meta"], "batch_markers": {}}}
    return (
        outcome.passing,
        outcome.quarantined,
        outcome.summary,
        outcome.scores,
        report,
        markers["pandas_data_fingerprint"],
        LOAD_TIME.sub("", outcome.data_docs_html),
    )


def _assert_alike(grouped: list[ValidationOutcome], alone: list[ValidationOutcome]) -> None:
    assert len(grouped) == len(alone)
    for one, other in zip(grouped, alone, strict=True):
        mine, theirs = _comparable(one), _comparable(other)
        assert mine[0].equals(theirs[0]) and mine[1].equals(theirs[1])
        assert mine[2:] == theirs[2:]


def _batches(table: pa.Table, cuts: list[int], context_rows: int) -> list[TableBatch]:
    bounds = sorted([0, *cuts, table.num_rows])  # a cut twice makes an empty batch
    parts = [table.slice(a, b - a) for a, b in itertools.pairwise(bounds)]
    out = []
    for i, part in enumerate(parts):
        context = parts[i - 1].slice(0, context_rows) if i and context_rows else None
        out.append(TableBatch(part, context))
    return out


def _alone(batches: list[TableBatch], data_docs: bool) -> list[ValidationOutcome]:
    return [
        validate_table(ENERGY, b.table, context=b.context, now=b.now, data_docs=data_docs)
        for b in batches
    ]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    faults=st.lists(
        st.tuples(st.integers(0, ROWS - 1), st.sampled_from(sorted(FAULTS))), max_size=14
    ),
    cuts=st.lists(st.integers(0, ROWS), max_size=4),
    context_rows=st.integers(0, 3),
)
def test_any_split_of_any_batch_gets_what_each_part_gets_alone(
    faults: list[tuple[int, str]], cuts: list[int], context_rows: int
) -> None:
    batches = _batches(_faulty(faults), cuts, context_rows)
    _assert_alike(validate_tables(ENERGY, batches, data_docs=False), _alone(batches, False))


def test_reports_and_data_docs_of_a_split_batch_match() -> None:
    faults = [(3, "bad circuit"), (3, "null power"), (40, "null seq"), (41, "energy dip")]
    faults += [(row, "bad circuit") for row in range(50, 80)]  # more than 20 to list
    batches = _batches(_faulty(faults), [10, 10, 45, 46, 60], 2)  # an empty one, and one row
    _assert_alike(validate_tables(ENERGY, batches), _alone(batches, True))


def test_a_result_of_unknown_shape_is_not_cut() -> None:
    checks = compile_checks(ENERGY)
    frame = validation_frame(conform(ENERGY, sample_table(ENERGY, 5)), checks)
    group = run_pass("s", checks, frame, "energy_meter", rows=False)
    cut = {"rows": 5, "nulls": {}, "failing": set(), "fingerprint": "f"}
    assert batch_first_pass(group, **cut) is not None  # type: ignore[arg-type]
    item = group["results"][0]
    for changed in (
        {**item, "result": {**item["result"], "observed_value": 1}},
        {**item, "exception_info": {"raised_exception": True}},
    ):
        odd = {**group, "results": [changed, *group["results"][1:]]}
        assert batch_first_pass(odd, **cut) is None  # type: ignore[arg-type]
    no_marks = {**group, "meta": {}}
    assert batch_first_pass(no_marks, **cut) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("rows", [0, 1])
def test_a_lone_batch_is_validated_as_validate_table_does(rows: int) -> None:
    batch = TableBatch(sample_table(ENERGY, rows))
    _assert_alike(validate_tables(ENERGY, [batch], data_docs=False), _alone([batch], False))
