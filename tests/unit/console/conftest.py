"""A console over a store the real pipeline filled (`_world`), with fake audit and health
results whose texts carry markup too. The store is a `MemoryStore`; its Parquet objects
are copied to a folder for the DuckDB pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assay.console import Backend, add_user, create_app
from assay.console._auth import Sessions
from assay.console._desk import Desk
from assay.console._query import Tables
from assay.govern.audit import Audit, Totals
from assay.govern.health import Health
from assay.govern.ledger import LedgerInputs
from assay.govern.releases import MaskingKey
from assay.pipeline.problems import Stall
from assay.store.objects import MemoryStore
from tests.unit.console._world import BUCKETS, CONTRACT, HOSTILE, PASSWORD, TOLD, fill, mirror


def audit_of(contract: Any) -> Audit:
    """An unbalanced audit whose discrepancy carries markup."""
    return Audit(contract.name, {0: Totals(produced=5, curated=4)}, [f"partition 0: {HOSTILE}"])


def health() -> Health:
    """One stalled partition whose error carries markup."""
    when = "2026-03-01T00:00:00Z"
    stall = Stall("process_params", "ingest", 0, 7, HOSTILE, "ValueError", False, when, when, 3)
    return Health(stalls=[stall])


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[MemoryStore, Path]:
    store, folder = MemoryStore(), tmp_path_factory.mktemp("objects")
    fill(store)
    mirror(store, folder)
    return store, folder


@pytest.fixture
def backend(world: tuple[MemoryStore, Path]) -> Backend:
    import duckdb

    store, folder = world
    return Backend(
        buckets=BUCKETS,
        store=store,
        contracts=(CONTRACT,),
        tables=lambda: Tables(duckdb.connect(), str(folder)),
        audit=audit_of,
        health=health,
    )


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state folder with a user of each role (argon2 hashing takes a while: once)."""
    folder = tmp_path_factory.mktemp("state")
    users = (("vera", "viewer"), ("stella", "steward"), ("sam", "steward"), ("ada", "admin"))
    for name, role in users:
        add_user(folder, name, role, PASSWORD)
    return folder


@pytest.fixture
def client(backend: Backend, state_dir: Path) -> Iterator[TestClient]:
    app = create_app(lambda: backend, Sessions(b"unit-test-key" * 3), state_dir)
    with TestClient(app, base_url="http://console.test") as web:
        yield web


@pytest.fixture(scope="module")
def fresh_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[MemoryStore, Path]:
    """A world of its own for tests that write (decisions, releases): once per module."""
    store, folder = MemoryStore(), tmp_path_factory.mktemp("fresh")
    fill(store)
    mirror(store, folder)
    return store, folder


@pytest.fixture
def desk_client(fresh_world: tuple[MemoryStore, Path], state_dir: Path) -> Iterator[TestClient]:
    """A console that may write: triage in its store, releases through a `Desk` on it."""
    with _desk_console(fresh_world, state_dir, lambda contract: None) as web:
        yield web


#: Kafka as a broker that holds far more of partition 0 than the world landed
KAFKA_AHEAD = LedgerInputs(
    offsets={0: (0, 10**6, 10**6)}, kafka={"consulted": True, "problem": None}
)


@pytest.fixture
def gap_desk_client(fresh_world: tuple[MemoryStore, Path], state_dir: Path) -> Iterator[TestClient]:
    """`desk_client` whose ledger finds readings in Kafka that never landed: every window
    has a gap."""
    with _desk_console(fresh_world, state_dir, lambda contract: KAFKA_AHEAD) as web:
        yield web


@contextmanager
def _desk_console(
    fresh_world: tuple[MemoryStore, Path],
    state_dir: Path,
    ledger: Callable[[Any], LedgerInputs | None],
) -> Iterator[TestClient]:
    import duckdb

    store, folder = fresh_world
    key = lambda: MaskingKey(b"k" * 32, "test")  # noqa: E731
    desk = Desk(store, BUCKETS, key, 1, "COMPLIANCE", False, lambda m, link: TOLD.append(link),
                ledger)  # fmt: skip
    backend = Backend(
        buckets=BUCKETS,
        store=store,
        contracts=(CONTRACT,),
        tables=lambda: Tables(duckdb.connect(), str(folder)),
        audit=audit_of,
        health=health,
        desk=lambda: desk,
    )
    app = create_app(lambda: backend, Sessions(b"unit-test-key" * 3), state_dir)
    with TestClient(app, base_url="http://console.test") as web:
        yield web
