"""Airflow's LocalExecutor, with the pipeline's libraries imported before its workers fork.

Every task of the LocalExecutor is an ``os.fork()`` of one of its worker processes, and
those workers are forks of the scheduler made when the executor starts. A task therefore
starts with whatever the scheduler had imported, and nothing more: on its own, each
ingest task imported pandas, pyarrow, minio, the OpenLineage client and the contracts
(pint's unit registry) again, and each validate task Great Expectations too — 5–15 s of
a task that lands or validates a few hundred readings in well under a second, paid at
every wake-up.

`WarmLocalExecutor` imports those libraries once, in `start`, before the workers fork, so
every task finds them loaded (copy-on-write pages shared by all workers; Airflow freezes
the garbage collector around the fork for exactly this). Only third-party modules are
imported — no client, connection, thread or Great Expectations context exists before the
fork — and none of this repository's: a task imports ``assay``, ``validators`` and
``schemas`` itself (well under a second), so a change to them applies to the next task
without restarting the scheduler. A library that cannot be imported is named in the
scheduler's log and skipped; tasks then import what they need themselves, as before.
"""

from __future__ import annotations

import importlib
import logging
import time

from airflow.executors.local_executor import LocalExecutor

#: The libraries the pipeline's tasks import, heaviest first (cold, on a 2-core machine:
#: Great Expectations 5-9 s, pandas 1.5-2.5 s, minio, pint and OpenLineage ~0.5-1 s each).
PRELOAD = (
    "great_expectations",
    "great_expectations.core.expectation_validation_result",
    "great_expectations.render.renderer",
    "great_expectations.render.view",
    "pandas",
    "pyarrow.compute",
    "pyarrow.json",
    "pyarrow.parquet",
    "minio",
    "confluent_kafka",
    "confluent_kafka.admin",
    "openlineage.client",
    "pint",
    "yaml",
)

log = logging.getLogger(__name__)


def preload(modules: tuple[str, ...] = PRELOAD) -> dict[str, float]:
    """Import ``modules``; the seconds each took, by name.

    A module that fails to import is logged and skipped: a task that needs it imports it
    itself and reports the error where it belongs, in its own log.
    """
    took: dict[str, float] = {}
    for name in modules:
        start = time.monotonic()
        try:
            importlib.import_module(name)
        except Exception as exc:  # a warm-up must never stop the scheduler
            log.warning("not preloaded: %s (%s: %s)", name, type(exc).__name__, exc)
            continue
        took[name] = time.monotonic() - start
    return took


class WarmLocalExecutor(LocalExecutor):
    """The LocalExecutor whose workers (and so every task) fork with the pipeline loaded."""

    def start(self) -> None:
        took = preload()
        log.info("preloaded %d modules for tasks in %.1f s", len(took), sum(took.values()))
        super().start()
