"""Integration tests talk to the real local stack started by `make test` / `assay stack up`."""

import uuid

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def unique() -> str:
    """A short name nobody else uses, for topics, buckets and keys."""
    return uuid.uuid4().hex[:10]
