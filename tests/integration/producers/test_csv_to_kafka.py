"""CSV/MES rows reach the real broker, gap-free; a garbage line is reported, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import assert_gap_free, consume, topic_of, wait_for

pytestmark = pytest.mark.integration

HEADER = "ts,meter,active_power,voltage_l1,power_factor,frequency,current_l1,active_energy\n"


def rows(n: int, start: int = 0) -> str:
    return "".join(
        f"2025-03-01T08:{i // 60 % 60:02d}:{i % 60:02d}.250Z,"
        f"m-{i % 4},{i},230,0.9,50,10,{1000 + i}\n"
        for i in range(start, start + n)
    )


SOURCE = """  - {{name: mes, kind: csv, contract: energy_meter, folder: {folder},
     device_column: meter, time_column: ts, poll_interval_s: 0.05, payload: {payload}}}
"""


@pytest.mark.parametrize("payload", ["json", "frame"])
def test_rows_arrive_in_kafka(
    tmp_path: Path, bootstrap: str, edge_for, producer_id: str, payload: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text(
        HEADER + rows(200) + "garbage line without enough fields\n" + rows(100, 200)
    )
    edge = edge_for(SOURCE.format(folder=folder, payload=payload), bootstrap)
    edge.start()
    assert wait_for(lambda: edge.stats.acked_readings == 300)
    edge.stop()
    got = consume(bootstrap, topic_of("energy_meter"), producer_id, 300)
    assert_gap_free(got, 300)
    assert sorted(g.doc["active_power"] for g in got) == list(range(300))
    assert edge.stats.source_errors[("mes", "BadInput")] == 1
    assert "garbage line" in (edge.stats.last_error.message if edge.stats.last_error else "")
    if payload == "json":
        assert got[0].doc["event_time"].endswith(".250Z")
