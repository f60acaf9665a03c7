"""Integration tests talk to the real local stack started by `make test` / `assay stack up`."""

import os
import uuid

import pytest

from assay.config import load_settings
from assay.devstack.stack.airflow import airflow_home

# Airflow reads AIRFLOW_HOME when first imported: point it at the stack's home, so that
# DagBag and dag.test() use the same config, DAGs folder and database as the services.
os.environ.setdefault("AIRFLOW_HOME", str(airflow_home(load_settings())))

pytestmark = pytest.mark.integration


@pytest.fixture
def unique() -> str:
    """A short name nobody else uses, for topics, buckets and keys."""
    return uuid.uuid4().hex[:10]
