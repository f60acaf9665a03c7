"""The gateway profile installs on its own: no Airflow, no Great Expectations, no S3 client."""

from __future__ import annotations

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
