"""Where the console's data comes from: the store as the steward role, and the checks the
command line runs (`assay status`, `assay audit`, `assay release verify`).

The console never holds root's keys: `Backend.steward` builds everything from settings
turned to the steward role, whose policy lets it list and read every layer and the
releases, write triage decisions and accepted rows, and nothing else; release writes go
through `assay.console._desk` as the releaser role. Tests build a `Backend` over a
`MemoryStore` and a folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from assay.config import STEWARD, Settings
from assay.console._query import Tables
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore
from schemas import Contract

if TYPE_CHECKING:
    from assay.console._desk import Desk
    from assay.govern.audit import Audit
    from assay.govern.health import Health
    from assay.govern.runs import RunState


@dataclass(frozen=True)
class Backend:
    """Everything a page reads, injectable."""

    buckets: Buckets
    store: ObjectStore  # every layer and the releases, read-only
    contracts: tuple[Contract, ...]
    tables: Callable[[], Tables]  # a DuckDB view of the Parquet layers, per request
    audit: Callable[[Contract], Audit]
    health: Callable[[], Health]
    desk: Callable[[], Desk] | None = None  # release writes as the releaser; None: read-only
    runs: Callable[[], list[RunState]] | None = None  # DAGs' last runs; None: no Airflow
    threshold: Callable[[str], float] = lambda contract: 0.95  # quality threshold of a contract

    def contract(self, name: str) -> Contract | None:
        """A shipped contract by name, None if there is none."""
        return next((c for c in self.contracts if c.name == name), None)


def backend_of(request: Request) -> Backend:
    """The backend of the console serving ``request`` (built on first use)."""
    backend: Backend = request.app.state.console.backend()
    return backend


#: A route's backend, as a dependency.
Source = Annotated[Backend, Depends(backend_of)]


def steward_backend(settings: Settings) -> Backend:
    """The real backend: S3 and Kafka of ``settings``, S3 as the steward role."""
    from assay.console._desk import releaser_desk
    from assay.govern.alerts import threshold_of
    from assay.govern.audit import run_audit
    from assay.govern.health import run_health
    from assay.govern.releases import LockedS3Store, duckdb_connect
    from assay.govern.runs import last_runs, rest_fetch

    steward = settings.as_role(STEWARD)
    contracts = tuple(settings.contracts())
    by_name = {c.name: c for c in contracts}
    fetch = rest_fetch(settings)  # keeps its Airflow token for the console's life
    return Backend(
        buckets=Buckets.from_settings(steward),
        store=LockedS3Store(steward),
        contracts=contracts,
        tables=lambda: Tables(duckdb_connect(steward), "s3://"),
        audit=lambda contract: run_audit(steward, contract),
        health=lambda: run_health(steward, contracts),
        desk=lambda: releaser_desk(settings),
        runs=lambda: last_runs(contracts, fetch),
        threshold=lambda name: threshold_of(settings, by_name.get(name, name)),
    )
