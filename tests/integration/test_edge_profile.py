"""The gateway profile installs on its own: no Airflow, no Great Expectations, no S3 client."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("apache-airflow", "great-expectations", "minio", "pandas")


def test_edge_extra_installs_without_the_platform(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is installed by `make install`"
    venv = tmp_path / "edge"
    subprocess.run([uv, "venv", "-q", str(venv), "-p", sys.executable], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(python), f"{ROOT}[edge]"], check=True
    )
    listed = subprocess.run(
        [uv, "pip", "list", "--python", str(python)], check=True, capture_output=True, text=True
    ).stdout.lower()
    assert "kafka-python" in listed
    assert [name for name in HEAVY if name in listed] == []
    edge = subprocess.run(
        [
            str(venv / "bin" / "assay-edge"),
            "check-config",
            str(ROOT / "infra" / "edge" / "edge.example.yaml"),
        ],
        capture_output=True,
        text=True,
        # the example's Kafka password comes from the environment, as on a gateway
        env={**os.environ, "ASSAY_EDGE_KAFKA_PASSWORD": "from-the-environment"},
    )
    assert edge.returncode == 0, edge.stdout + edge.stderr


JSON_EDGE = """
import sys, time
from pathlib import Path
from producers import Edge, MemoryTransport, load_config
transport = MemoryTransport()
edge = Edge(load_config(Path(sys.argv[1])), connect=lambda: transport)
edge.start()
deadline = time.monotonic() + 30
while edge.stats.acked_readings < 2 and time.monotonic() < deadline:
    time.sleep(0.05)
edge.stop()
assert edge.stats.acked_readings == 2, edge.stats
heavy = sorted(m for m in ("pyarrow", "numpy") if m in sys.modules)
readings = [m for m in transport.sent if m.topic == "assay.energy_meter.v1"]
reports = [m for m in transport.sent if m.topic == "assay-edge-status"]  # at start and at stop
print("sent", len(readings), "reports", len(reports) >= 1, "imported", heavy)
"""


def test_the_json_only_profile_installs_and_runs_without_pyarrow_and_numpy(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is installed by `make install`"
    venv = tmp_path / "edge-json"
    subprocess.run([uv, "venv", "-q", str(venv), "-p", sys.executable], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", python, f"{ROOT}[edge-json]"], check=True
    )
    listed = subprocess.run(
        [uv, "pip", "list", "--python", python], check=True, capture_output=True, text=True
    ).stdout.lower()
    assert "kafka-python" in listed
    assert [name for name in ("pyarrow", "numpy", *HEAVY) if name in listed] == []
    (tmp_path / "mes").mkdir()
    (tmp_path / "mes" / "a.csv").write_text(
        "meter,event_time,active_power\nm-1,2025-03-01T08:00:00Z,1.5\nm-1,2025-03-01T08:00:01Z,1.6\n"
    )
    config = tmp_path / "edge.yaml"
    source = "{name: mes, kind: csv, contract: energy_meter, folder: mes, device_column: meter"
    config.write_text(
        "producer_id: gw-json\nsite: plant-a\nspool: {path: spool.db, commit_interval_ms: 20}\n"
        f"metrics: {{port: null}}\nsources:\n  - {source}, poll_interval_s: 0.05}}\n"
    )
    edge = str(venv / "bin" / "assay-edge")
    checked = subprocess.run([edge, "check-config", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    ran = subprocess.run([python, "-c", JSON_EDGE, str(config)], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "sent 2 reports True imported []"
    frames = tmp_path / "frames.yaml"
    frames.write_text(
        config.read_text().replace("poll_interval_s", "payload: frame, poll_interval_s")
    )
    refused = subprocess.run(
        [edge, "check-config", "--json", str(frames)], capture_output=True, text=True
    )
    assert refused.returncode == 2
    (finding,) = json.loads(refused.stdout)["findings"]
    assert finding["key"] == "sources[0].payload" and "pyarrow" in finding["problem"]
