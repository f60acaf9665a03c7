"""The cluster stack (`assay stack up --cluster`), started for this folder's tests and stopped
after them, beside the stack the other integration tests use.

It has a state folder of its own (``.assay-cluster`` in the checkout) and ports of its own:
``ASSAY_CLUSTER_PORT_BASE`` (default 29000) plus the default stack's last three digits
(Kafka 29092/29192/29292, controllers 29093/29193/29293, S3 29070, Airflow 29080, console
29090, PostgreSQL 29433, Redis 29379). ``ASSAY_CLUSTER_KEEP=1`` leaves it running.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.config import ROOT, Settings, load_settings

STATE = Path(__file__).resolve().parents[3] / ".assay-cluster"
OFFSETS = {
    "KAFKA_PORT": 92,
    "KAFKA_CONTROLLER_PORT": 93,
    "S3_PORT": 70,
    "AIRFLOW_PORT": 80,
    "CONSOLE_PORT": 90,
    "POSTGRES_PORT": 433,
    "REDIS_PORT": 379,
}


def cluster_env() -> dict[str, str]:
    """The environment that points `assay` at the cluster stack, not the default one."""
    base = int(os.environ.get("ASSAY_CLUSTER_PORT_BASE", "29000"))
    ours = {f"ASSAY_{name}": str(base + offset) for name, offset in OFFSETS.items()}
    others = {k: v for k, v in os.environ.items() if not k.startswith(("ASSAY_", "AIRFLOW_"))}
    return others | ours | {"ASSAY_STATE_DIR": str(STATE)}


def assay(*args: str) -> None:
    """Run the `assay` command of this environment against the cluster stack."""
    command = [str(Path(sys.executable).parent / "assay"), *args]
    subprocess.run(command, env=cluster_env(), check=True, timeout=900)


@pytest.fixture(scope="package")
def cluster() -> Iterator[Settings]:
    """Settings of the running cluster stack, as root (the tests make buckets of their own)."""
    assay("stack", "up", "--cluster")
    env = cluster_env()
    ports = {k.removeprefix("ASSAY_").lower(): int(v) for k, v in env.items() if k[6:] in OFFSETS}
    try:
        yield load_settings(state_dir=STATE, **ports).as_role(ROOT)
    finally:
        if not os.environ.get("ASSAY_CLUSTER_KEEP"):  # kept for a developer's next run
            assay("stack", "down")
