"""Shared fixtures: settings of the local stack the integration tests run against."""

from __future__ import annotations

import pytest

from assay.config import Settings, load_settings


@pytest.fixture(scope="session")
def stack_settings() -> Settings:
    """Settings of the running local stack; fails (never skips) when a service is down."""
    from assay.devstack import stack

    settings = load_settings()
    down = [s.name for s in stack.status(settings) if not s.healthy]
    if down:
        pytest.fail(
            f"local stack not healthy: {', '.join(down)} down. "
            "Run `make test` (it starts the stack) or `assay stack up`.",
            pytrace=False,
        )
    return settings
