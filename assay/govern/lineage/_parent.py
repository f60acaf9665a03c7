"""The run a lineage event belongs to: the Airflow task instance that did the work.

Airflow's OpenLineage integration reports each task instance as a run of the job
``<dag_id>.<task_id>``; assay's events for the segments that task landed or validated name
that run as their parent (``ParentRunFacet``, with the DAG run as root), so Marquez shows one
graph: the task, and under it the segments. The run ids are the provider's own
(`OpenLineageAdapter.build_task_instance_run_id` and ``build_dag_run_id``): a UUIDv7 at the
DAG run's logical date (``run_after`` when it has none, as for asset-triggered runs) whose
other bits hash ``<namespace>.<dag_id>.<task_id>.<try>.<map_index>`` (the task) or
``<namespace>.<dag_id>.<clear_number>`` (the DAG run), ``namespace`` being Airflow's
``[openlineage] namespace``. The task layer sets the parent for the length
of the work (`parent_run`); events built outside any task (the CLI's releases) have none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openlineage.client.facet_v2 import parent_run
from openlineage.client.uuid import generate_static_uuid


def task_instance_run_id(
    namespace: str, dag_id: str, task_id: str, try_number: int, map_index: int, when: datetime
) -> str:
    """The run id Airflow's OpenLineage provider gives a task instance."""
    data = f"{namespace}.{dag_id}.{task_id}.{try_number}.{map_index}".encode()
    return str(generate_static_uuid(instant=when, data=data))


def dag_run_id(namespace: str, dag_id: str, clear_number: int, when: datetime) -> str:
    """The run id Airflow's OpenLineage provider gives a DAG run."""
    return str(
        generate_static_uuid(instant=when, data=f"{namespace}.{dag_id}.{clear_number}".encode())
    )


@dataclass(frozen=True)
class ParentRun:
    """An Airflow task instance as an OpenLineage run, and its DAG run as the root."""

    namespace: str
    job: str
    run_id: str
    root_job: str
    root_run_id: str

    def facet(self) -> parent_run.ParentRunFacet:
        """The ``parent`` run facet of a child event."""
        return parent_run.ParentRunFacet(
            run=parent_run.Run(runId=self.run_id),
            job=parent_run.Job(namespace=self.namespace, name=self.job),
            root=parent_run.Root(
                run=parent_run.RootRun(runId=self.root_run_id),
                job=parent_run.RootJob(namespace=self.namespace, name=self.root_job),
            ),
        )


_current: ContextVar[ParentRun | None] = ContextVar("assay_lineage_parent", default=None)


@contextmanager
def parent_run_of(parent: ParentRun | None) -> Iterator[None]:
    """Events built inside this block name ``parent`` as their parent run."""
    token = _current.set(parent)
    try:
        yield
    finally:
        _current.reset(token)


def parent_facets() -> dict[str, Any]:
    """``{"parent": facet}`` inside `parent_run_of`, else nothing."""
    parent = _current.get()
    return {} if parent is None else {"parent": parent.facet()}
