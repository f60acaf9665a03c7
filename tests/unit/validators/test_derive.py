"""Derived columns and type conformance, computed without Great Expectations."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from schemas import load_contract
from validators import compile_checks, sample_table, validate_table
from validators._conform import conform
from validators._derive import derive_columns
from validators._errors import ReservedColumnError

ENERGY = load_contract("energy_meter")
CHECKS = compile_checks(ENERGY)
DEVICES = 3


def _derived(table: pa.Table) -> dict[str, np.ndarray]:
    return derive_columns(conform(ENERGY, table), CHECKS)


def _with(table: pa.Table, column: str, values: list) -> pa.Table:
    index = table.schema.get_field_index(column)
    return table.set_column(index, table.schema.field(column), pa.array(values, table[column].type))


def _one_device(steps: int) -> pa.Table:
    table = sample_table(ENERGY, steps * DEVICES, devices=DEVICES)
    return table.filter(pa.compute.equal(table["device_id"], "dev-00"))


def test_a_drop_is_a_violation_and_a_drop_to_the_reset_level_is_not() -> None:
    table = _with(_one_device(6), "active_energy", [100.0, 101.0, 99.0, 102.0, 4.0, 5.0])
    drop = _derived(table)["_drop__active_energy"]
    assert np.isnan(drop[0])
    assert drop[1:].tolist() == [0.0, 2.0, 0.0, 0.0, 0.0]


def test_a_spike_flags_the_reading_after_it() -> None:
    table = _with(_one_device(4), "active_energy", [100.0, 900.0, 102.0, 103.0])
    assert _derived(table)["_drop__active_energy"][1:].tolist() == [0.0, 798.0, 0.0]


def test_a_stuck_run_is_counted_and_flagged_from_its_nth_reading() -> None:
    power = [5.0] * 3 + [6.0, 6.0, 7.0]
    run = _derived(_with(_one_device(6), "active_power", power))["_run__active_power"]
    assert run.tolist() == [1, 2, 3, 1, 2, 1]


def test_out_of_range_and_null_readings_stay_out_of_the_stream() -> None:
    table = _with(_one_device(4), "active_energy", [100.0, -5.0, None, 101.0])
    drop = _derived(table)["_drop__active_energy"]
    assert np.isnan(drop[1]) and np.isnan(drop[2]) and drop[3] == 0.0


def test_a_gap_flags_the_reading_after_it_in_event_time_order() -> None:
    table = _one_device(4)
    gaps = _derived(table.take([3, 1, 0, 2]))["_gap_seconds__active_power"]
    assert sorted(g for g in gaps.tolist() if not np.isnan(g)) == [10.0, 10.0, 10.0]


def test_a_replay_is_counted_once_and_kept_out_of_the_key_check() -> None:
    table = _one_device(3)
    derived = _derived(pa.concat_tables([table, table.slice(1, 1)]))
    assert derived["_replay__producer_id+seq"].tolist() == [0, 0, 0, 1]
    key = derived["_key_count__device_id+event_time"]
    assert key[:3].tolist() == [1, 1, 1] and np.isnan(key[3])


def test_values_that_do_not_fit_the_type_fail_only_in_their_row() -> None:
    table = _one_device(3)
    table = _with(
        table.cast(
            table.schema.set(
                table.schema.get_field_index("frequency"), pa.field("frequency", pa.string())
            )
        ),
        "frequency",
        ["50.0", "fifty", None],
    )
    conformed = conform(ENERGY, table)
    assert conformed.type_ok["frequency"].tolist() == [True, False, True]
    assert conformed.table["frequency"].to_pylist() == [50.0, None, None]


def test_a_missing_column_or_another_unit_fails_every_row() -> None:
    table = _one_device(2)
    field = table.schema.field("voltage_l1").with_metadata({"unit": "kV"})
    table = table.drop_columns(["frequency"]).set_column(
        table.schema.get_field_index("voltage_l1"), field, table["voltage_l1"]
    )
    flags = conform(ENERGY, table).type_ok
    assert flags["frequency"].tolist() == [False, False]
    assert flags["voltage_l1"].tolist() == [False, False]


def test_an_input_column_named_like_a_derived_one_is_refused() -> None:
    table = _one_device(2).append_column("_row", pa.array([0, 1]))
    with pytest.raises(ReservedColumnError) as caught:
        validate_table(ENERGY, table)
    assert caught.value.column == "_row"


def test_a_claim_check_is_well_formed_only_as_a_whole_value() -> None:
    visual = load_contract("visual_inspection")
    checks = compile_checks(visual)
    table = sample_table(visual, 4)
    sha = "0" * 64
    images = [
        {"uri": "s3://images/a.jpg", "sha256": sha},
        {"uri": "s3://images/a.jpg\n", "sha256": sha},
        {"uri": "s3://images/a b.jpg", "sha256": sha},
        {"uri": "s3://images/a.jpg", "sha256": sha + "\n"},
    ]
    index = table.schema.get_field_index("image")
    table = table.set_column(index, "image", pa.array(images, table["image"].type))
    flags = derive_columns(conform(visual, table), checks)["_ok_claim_check__image"]
    assert flags.tolist() == [True, False, False, False]
