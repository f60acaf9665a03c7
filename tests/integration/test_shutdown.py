"""Every assay process leaves cleanly: the shutdown path, run again and again in processes of
its own, always exits 0 (a native abort at exit is -6, SIGABRT)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assay.config import Settings
from assay.store.objects import s3_client

from ._world import make_world

pytestmark = pytest.mark.integration

CHILD = Path(__file__).with_name("_shutdown_child.py")
RUNS = 20


def test_a_process_using_kafka_s3_and_arrow_exits_cleanly_every_time(
    stack_settings: Settings, unique: str
) -> None:
    world = make_world(stack_settings, unique)
    world.produce(range(2000))
    bucket = world.land.raw
    outcomes = []
    for run in range(0, RUNS, 2):  # two at a time: the machine has two cores
        args = [world.topic, world.group, bucket]
        procs = [_start([*args, f"shutdown-{run + i}.parquet"]) for i in range(2)]
        outcomes += [(*p.communicate(timeout=300), p.returncode) for p in procs]
    failed = [(code, err[-500:]) for _, err, code in outcomes if code != 0]
    assert failed == [], failed
    assert {json.loads(out)["read"] for out, _, _ in outcomes} == {2000}
    assert {json.loads(out)["arrow_s3"] for out, _, _ in outcomes} == {2000}
    assert len(list(s3_client(stack_settings).list_objects(bucket))) == RUNS


def _start(args: list[str]) -> subprocess.Popen[str]:
    root = Path(__file__).parents[2]
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
