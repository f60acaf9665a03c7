"""Shared fixtures: settings of the local stack the integration tests run against."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assay.config import ROOT, Settings, load_settings

# ``inert_markup`` (the check for executable markup) serves unit and integration tests alike.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def stack_settings() -> Settings:
    """Settings of the running local stack, as root; fails (never skips) when a service is down.

    Root, because most integration tests make buckets of their own, which no role's policy
    names; the tests of least privilege take a role's keys explicitly (`as_role`).
    """
    from assay.devstack import stack

    settings = load_settings().as_role(ROOT)
    down = [s.name for s in stack.status(settings) if not s.healthy]
    if down:
        pytest.fail(
            f"local stack not healthy: {', '.join(down)} down. "
            "Run `make test` (it starts the stack) or `assay stack up`.",
            pytrace=False,
        )
    return settings
