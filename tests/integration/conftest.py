"""Integration tests talk to the real local stack started by `make test` / `assay stack up`."""

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from assay.config import ROOT, Settings, load_settings
from assay.devstack.stack.airflow import airflow_home

# Airflow reads AIRFLOW_HOME when first imported: point it at the stack's home, so that
# DagBag and dag.test() use the same config, DAGs folder and database as the services.
os.environ.setdefault("AIRFLOW_HOME", str(airflow_home(load_settings())))
# A DAG a test writes into that database (a site contract of its own, run by dag.test()) is
# created paused: the stack's scheduler, which creates every DAG unpaused, would otherwise
# also schedule it, and run the test's own task instances beside dag.test() (the instance
# dag.test() then finishes is "not found": the scheduler started another try of it).
os.environ.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "True")

pytestmark = pytest.mark.integration

Gateway = Callable[[dict[str, list[str]]], Settings]


@pytest.fixture
def unique() -> str:
    """A short name nobody else uses, for topics, buckets and keys."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def private_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """Starts S3 servers of this module alone, set up as `assay stack up` sets up the stack's:
    root keys in ``access/root.toml``, the pipeline buckets, every role applied with the
    pilot grants given. The settings it returns carry no key pair: each use picks a role."""
    from assay.devstack.stack import _process
    from assay.devstack.stack._stack import ensure_root_keys
    from assay.devstack.stack.s3 import S3Server
    from assay.govern.access import apply
    from assay.store.objects import ensure_buckets

    servers: list[S3Server] = []

    def start(grants: dict[str, list[str]]) -> Settings:
        port = _process.free_port()
        settings = Settings(
            state_dir=tmp_path_factory.mktemp("gateway"),
            s3_port=port,
            s3_endpoint=f"http://127.0.0.1:{port}",
            pilot_grants=grants,
        )
        ensure_root_keys(settings)
        servers.append(S3Server(settings))
        servers[-1].up(lambda _: None)
        ensure_buckets(settings.as_role(ROOT))
        apply(settings)
        return settings

    try:
        yield start
    finally:
        for server in servers:
            server.down()
