"""A small client of the Airflow REST API (v2): trigger a DAG, read its runs.

The local stack runs Airflow with every user an admin on loopback, so no token is needed;
against a secured Airflow, set ``ASSAY_AIRFLOW_TOKEN`` (a bearer token from ``/auth/token``).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from assay.config import Settings
from assay.errors import AssayError


class AirflowApiError(AssayError):
    """The Airflow API refused a call or could not be reached."""

    def __init__(self, path: str, problem: str, *, transient: bool = False) -> None:
        self.path, self.transient = path, transient
        super().__init__(f"Airflow API {path}: {problem}")


def call(settings: Settings, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One REST call (``path`` below ``/api/v2``); its JSON answer, or `AirflowApiError`."""
    url = f"http://127.0.0.1:{settings.airflow_port}/api/v2{path}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token := os.environ.get("ASSAY_AIRFLOW_TOKEN"):
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        raise AirflowApiError(
            path, f"{exc.code} {exc.read()[:500]!r}", transient=exc.code >= 500
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise AirflowApiError(
            path, f"unreachable ({exc}); is the stack up?", transient=True
        ) from exc


def trigger(settings: Settings, dag_id: str, conf: dict[str, Any] | None = None) -> str:
    """Queue a run of ``dag_id`` now; returns its run id."""
    run = call(
        settings, "POST", f"/dags/{dag_id}/dagRuns", {"logical_date": None, "conf": conf or {}}
    )
    return str(run["dag_run_id"])


def runs(settings: Settings, dag_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """The latest runs of ``dag_id`` (id, state, type, dates)."""
    found = call(settings, "GET", f"/dags/{dag_id}/dagRuns?limit={limit}&order_by=-start_date")
    return list(found["dag_runs"])


def dag_exists(settings: Settings, dag_id: str) -> bool:
    """True once the DAG processor has parsed ``dag_id`` and it is not paused."""
    try:
        dag = call(settings, "GET", f"/dags/{dag_id}")
    except AirflowApiError as exc:
        if "404" in str(exc):
            return False
        raise
    return not dag.get("is_paused", False)
