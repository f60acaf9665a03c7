"""The last finished run of each contract's ingest and validate DAGs, from Airflow's REST API.

A failed last run is an open problem on the console's overview and in the notifications
(`assay.govern.alerts`). The console may run where Airflow is not (a standalone site), or
Airflow may be down: then the runs are *unknown* (`RunsUnknown`), said so on the page, and
never an error page. The reader is a function from an API path to its JSON (`Fetch`), so
tests answer with a local HTTP server and `rest_fetch` is the real one: a bearer token
from ``/auth/token`` with the settings' Airflow user, one short timeout per call.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from assay.config import Settings
from assay.errors import AssayError
from schemas import Contract

STAGES = ("ingest", "validate")
TIMEOUT_S = 3.0
LAST_FINISHED = "order_by=-run_after&limit=1&state=success&state=failed"
LAST_FINISHED = "order_by=-run_after&limit=1&state=success&state=failed"
#: GET a path below ``/api/v2``; its JSON. Raises `RunsUnknown` when it cannot say.
Fetch = Callable[[str], Any]


class RunsUnknown(AssayError):
    """Airflow could not be asked (not configured, unreachable, refused): ``reason`` says."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        self.reason, self.status = reason, status  # status: Airflow's HTTP answer, if any
        super().__init__(f"DAG runs unknown: {reason}")


@dataclass(frozen=True)
class RunState:
    """The last finished run of one DAG: its contract, stage, state, id and time."""

    contract: str
    stage: str
    dag_id: str
    state: str  # "success" or "failed"
    run_id: str
    when: str  # run_after, ISO 8601

    @property
    def failed(self) -> bool:
        """Whether this run failed."""
        return self.state == "failed"


def dag_id(contract: str, stage: str) -> str:
    """The id `assay.pipeline.airflow.dags` gives a contract's DAG of a stage."""
    return f"assay_{stage}_{contract}"


def last_runs(contracts: Iterable[Contract], fetch: Fetch) -> list[RunState]:
    """The last finished run of each contract's DAGs; a DAG that never finished is left out."""
    found = []
    for contract in contracts:
        for stage in STAGES:
            dag = dag_id(contract.name, stage)
            runs = (fetch(f"/dags/{quote(dag)}/dagRuns?{LAST_FINISHED}") or {}).get("dag_runs")
            if runs:
                state, run_id, when = (
                    str(runs[0].get(k)) for k in ("state", "dag_run_id", "run_after")
                )
                found.append(RunState(contract.name, stage, dag, state, run_id, when))
    return found


def rest_fetch(settings: Settings) -> Fetch:
    """`Fetch` against the settings' Airflow (``airflow_host``, ``airflow_port``), as its user."""
    base = f"http://{settings.airflow_host}:{settings.airflow_port}"
    password = settings.airflow_password.get_secret_value()
    tokens: list[str] = []

    def fetch(path: str) -> Any:
        if not password:
            raise RunsUnknown("no Airflow password in the settings (ASSAY_AIRFLOW_PASSWORD)")
        for _ in range(2):  # a token expires after a day: one fresh one, then give up
            if not tokens:
                login = {"username": settings.airflow_username, "password": password}
                tokens.append(str(_json(f"{base}/auth/token", login)["access_token"]))
            try:
                return _json(f"{base}/api/v2{path}", None, tokens[0])
            except RunsUnknown as exc:
                if exc.status != 401:
                    raise
                tokens.clear()
        raise RunsUnknown("Airflow refused the settings' user (401)", 401)

    return fetch


def _json(url: str, body: dict[str, Any] | None, bearer: str = "") -> Any:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} | (
        {"Authorization": f"Bearer {bearer}"} if bearer else {}
    )
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data, headers), timeout=TIMEOUT_S
        ) as answer:
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise RunsUnknown(f"Airflow answered {exc.code} to {url}", exc.code) from exc
    except (OSError, ValueError) as exc:
        raise RunsUnknown(f"Airflow at {url} did not answer: {exc}") from exc
