"""The run a lineage event belongs to: the Airflow task instance that did the work.

Airflow's OpenLineage integration reports each task instance as a run of the job
``<dag_id>.<task_id>``; assay's events for the segments that task landed or validated name
that run as their parent (``ParentRunFacet``, with the DAG run as root), so Marquez shows one
graph: the task, and under it the segments. The task layer sets the parent for the length
of the work (`parent_run`); events built outside any task (the CLI's releases) have none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from openlineage.client.facet_v2 import parent_run


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
