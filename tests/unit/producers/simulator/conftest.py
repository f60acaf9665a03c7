"""Fixtures: small simulated runs of every contract, encoded as the edge would send them.

The helpers live in ``simulator_runs`` and ``simulator_checks`` beside this file; under
``--import-mode=importlib`` pytest does not put this folder on ``sys.path``, so it is
added here, once, for the test modules to import them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from simulator_runs import CONTRACTS, Run, all_faults, simulate  # noqa: E402


@pytest.fixture(scope="session", params=CONTRACTS)
def faulty_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Every contract with two faults of every kind it supports."""
    name = request.param
    return simulate(name, tmp_path_factory.mktemp(name), faults=all_faults(name))


@pytest.fixture(scope="session", params=CONTRACTS)
def clean_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Every contract without faults, over a weekend night and day (shift changes)."""
    name = request.param
    return simulate(
        name, tmp_path_factory.mktemp(name), count=1500, rate=0.05, start="2025-03-08T06:00:00Z"
    )
