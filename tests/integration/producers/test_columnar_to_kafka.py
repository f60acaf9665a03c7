"""The columnar path against the real broker: simulator batches arrive as frames, every seq."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from producers import read_stats

from .conftest import assert_gap_free, consume, topic_of, wait_for

pytestmark = pytest.mark.integration

DEVICES, PER_DEVICE = 4, 25_000
SOURCE = f"""  - {{name: fast, kind: simulator, contract: energy_meter, devices: {DEVICES},
     rate: 100, count: {PER_DEVICE}, payload: frame, frame_readings: 5000, columnar: true,
     truth: truth.json}}
"""


def test_columnar_batches_arrive_in_kafka_gap_free(
    tmp_path: Path, bootstrap: str, edge_for, producer_id: str
) -> None:
    total = DEVICES * PER_DEVICE
    edge = edge_for(SOURCE, bootstrap)
    edge.start()
    assert wait_for(lambda: edge.stats.acked_readings == total, 120), edge.stats
    edge.stop()
    got = consume(bootstrap, topic_of("energy_meter"), producer_id, total, timeout=120)
    assert_gap_free(got, total)
    assert len(got) == total  # nothing was sent twice
    assert {g.content_type for g in got} == {"application/vnd.apache.arrow.stream"}
    assert edge.stats.acked_messages == total // 5000
    per_device: dict[str, list[int]] = {}
    for g in got:  # each device's readings in event-time order, as the source made them
        per_device.setdefault(str(g.doc["device_id"]), []).append(int(g.seq))
    assert sorted(per_device) == [f"em-{i:04d}" for i in range(1, DEVICES + 1)]
    assert all(len(seqs) == PER_DEVICE for seqs in per_device.values())
    assert read_stats(tmp_path / "spool.db").readings == 0
    truth = json.loads((tmp_path / "truth.json").read_text())["contracts"]["energy_meter"]
    assert (truth["readings"], truth["expected"]["curated"]) == (total, total)
