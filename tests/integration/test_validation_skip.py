"""On the real broker and S3 server: a segment that fails validation on every try is a stall,
an operator skips it, the partition goes on and the audit balances."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pytest

import validators
from assay.config import Settings
from assay.pipeline import problems
from assay.pipeline.airflow.tasks import each_partition, validate_partition
from assay.pipeline.ingest.consumer import KafkaPartition
from assay.pipeline.ingest.landing import land_partition
from assay.pipeline.problems import PartitionsFailed
from assay.pipeline.validate.skip import skip_segment
from assay.store import layout
from assay.store.parquet import from_parquet
from schemas import Contract

from ._world import ENERGY, World, make_world

pytestmark = pytest.mark.integration


class Poisoned(RuntimeError):
    """What validating seq 10-19 raises here, on every try (a bug in a rule, say)."""


def poisoned(real):  # type: ignore[no-untyped-def]
    def validate_table(contract: Contract, table: pa.Table, **kwargs):  # type: ignore[no-untyped-def]
        if any(10 <= s < 20 for s in table["seq"].to_pylist()):
            raise Poisoned("rule crashed")
        return real(contract, table, **kwargs)

    return validate_table


def poisoned_group(real):  # type: ignore[no-untyped-def]
    """A group holding seq 10-19 crashes as well: the grouped run falls back to one segment
    at a time, where the crash names its own segment."""

    def validate_tables(contract: Contract, batches, **kwargs):  # type: ignore[no-untyped-def]
        if any(10 <= s < 20 for b in batches for s in b.table["seq"].to_pylist()):
            raise Poisoned("rule crashed")
        return real(contract, batches, **kwargs)

    return validate_tables


def validate_task(world: World) -> None:
    """The validate task's per-partition loop: a failure is a stall, recorded."""
    store, buckets = world.store, world.all

    def check(partition: int) -> list:
        return validate_partition(store, buckets, ENERGY, partition)

    each_partition(store, buckets.reports, ENERGY, "validate", [0], check)


def test_a_segment_failing_validation_is_skipped_and_the_audit_balances(
    stack_settings: Settings, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(stack_settings, unique)
    world.produce(range(30))
    with KafkaPartition(world.settings, world.topic, 0, world.group) as log:
        land_partition(log, world.store, world.land, ENERGY, max_records=10)
    monkeypatch.setattr(validators, "validate_table", poisoned(validators.validate_table))
    monkeypatch.setattr(validators, "validate_tables", poisoned_group(validators.validate_tables))
    for _ in range(2):  # the stall stays where it is, try after try
        with pytest.raises(PartitionsFailed):
            validate_task(world)
    (stall,) = problems.stalls(world.store, world.all.reports, ENERGY)
    assert (stall.stage, stall.offset, stall.attempts, stall.error_type) == (
        "validate", 10, 2, "SegmentFailed",
    )  # fmt: skip

    buckets = replace(world.all, deadletter=world.land.deadletter)
    gone = skip_segment(world.store, buckets, ENERGY, 0, 10, by="zhao.lei", why="rule bug 规则错误")
    assert (gone.readings, gone.skipped) == (10, 10)
    validate_task(world)  # the partition goes on past the skipped segment
    assert problems.stalls(world.store, world.all.reports, ENERGY) == []

    seg = layout.Segment(world.topic, 0, 10)
    key = layout.skipped_key(ENERGY.name, ENERGY.major, seg)
    dead = from_parquet(world.store.get(world.land.deadletter, key)).to_pylist()
    assert sorted(d["offset"] for d in dead) == list(range(10, 20))
    assert {d["reason_code"] for d in dead} == {"skipped_by_operator"}
    assert dead[0]["reason"] == "skipped by zhao.lei: rule bug 规则错误"
    result = world.audit()
    assert result.balanced, result.problems
    totals = result.totals
    assert (totals.produced, totals.curated, totals.skipped_by_operator) == (30, 20, 10)
    assert totals.dead_lettered == 10


def test_the_validate_skip_command_refuses_a_segment_that_is_not_next() -> None:
    from typer.testing import CliRunner

    from assay.cli.app import app

    far = str(10**12)  # no segment starts there
    args = ["--partition", "0", "--offset", far, "--by", "ops", "--why", "test"]
    result = CliRunner().invoke(app, ["validate", "skip", "energy_meter", *args])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())  # the console wraps long lines
    assert "Traceback" not in said
    assert "goes on at the segment" in said or "nothing is waiting" in said
