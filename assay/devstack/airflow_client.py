"""A small client of the Airflow REST API (v2): trigger a DAG, read its runs.

Every call carries a bearer token. The client gets one from ``/auth/token`` with the
settings' ``airflow_username`` and ``airflow_password`` (by default the local stack's
generated admin password, ``<state>/secrets/airflow-admin``), keeps it for the process,
and gets a fresh one when Airflow answers 401 (tokens expire after a day). A token made
elsewhere can be given as ``ASSAY_AIRFLOW_TOKEN`` instead.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from assay.config import Settings
from assay.errors import AssayError

TOKEN_PATH = "/auth/token"
_tokens: dict[tuple[str, str], str] = {}


class AirflowApiError(AssayError):
    """The Airflow API refused a call or could not be reached."""

    def __init__(
        self, path: str, problem: str, *, transient: bool = False, status: int | None = None
    ) -> None:
        # ``status``: the HTTP status Airflow answered, None when it could not be reached.
        self.path, self.transient, self.status = path, transient, status
        super().__init__(f"Airflow API {path}: {problem}")


def base_url(settings: Settings) -> str:
    """The API server of the configured Airflow."""
    return f"http://{settings.airflow_host}:{settings.airflow_port}"


def call(settings: Settings, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """One REST call (``path`` below ``/api/v2``); its JSON answer, or `AirflowApiError`."""
    try:
        return _send(settings, method, f"/api/v2{path}", body, token(settings))
    except AirflowApiError as exc:
        if exc.status != 401 or os.environ.get("ASSAY_AIRFLOW_TOKEN"):
            raise
    return _send(settings, method, f"/api/v2{path}", body, token(settings, fresh=True))


def token(settings: Settings, *, fresh: bool = False) -> str:
    """A bearer token: ``ASSAY_AIRFLOW_TOKEN``, else one from ``/auth/token`` (kept)."""
    if given := os.environ.get("ASSAY_AIRFLOW_TOKEN"):
        return given
    user, password = login(settings)
    key = (base_url(settings), user)
    if fresh or key not in _tokens:
        answer = _send(settings, "POST", TOKEN_PATH, {"username": user, "password": password})
        _tokens[key] = str(answer["access_token"])
    return _tokens[key]


def login(settings: Settings) -> tuple[str, str]:
    """User and password for ``/auth/token``: the settings', else the local stack's admin."""
    from assay.devstack.stack._secrets import AIRFLOW_ADMIN, existing_secret, secret_file

    password = settings.airflow_password.get_secret_value() or existing_secret(
        settings.state_dir, AIRFLOW_ADMIN
    )
    if not password:
        where = secret_file(settings.state_dir, AIRFLOW_ADMIN)
        raise AirflowApiError(
            TOKEN_PATH, f"no password: set ASSAY_AIRFLOW_PASSWORD or start the stack ({where})"
        )
    return settings.airflow_username, password


def _send(
    settings: Settings, method: str, path: str, body: dict[str, Any] | None, bearer: str = ""
) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url(settings) + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        # The answer of a refused login may echo the request: never show it.
        said = "" if path == TOKEN_PATH else f" {exc.read()[:500]!r}"
        raise AirflowApiError(
            path, f"{exc.code}{said}", transient=exc.code >= 500, status=exc.code
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
        if exc.status == 404:
            return False
        raise
    return not dag.get("is_paused", False)
