"""The console inside Airflow 3's API server: a plugin app behind Airflow's own sign-in.

Airflow mounts a plugin's FastAPI app without authenticating it (a mounted app inherits
none of the core API's dependencies), so the console replaces its `current_user` with
`airflow_user`, which every route depends on: Airflow's ``get_user`` reads the JWT from
the ``Authorization`` header or Airflow's session cookie (401 without one), and the auth
manager's ``is_authorized_*`` checks decide the console role — admin with write access to
the configuration, steward with write access to assets, viewer with read access to
assets, and nobody else (403). CSRF tokens, roles and pages are the same as standalone.

Registered through the ``airflow.plugins`` entry point (pyproject); ``external_views`` puts
the console in Airflow's navigation and on each DAG's and DAG run's page (Airflow 3.3 has
no asset-page destination). The overview's failed runs come from Airflow's own database
here (`airflow_runs`), not over REST.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from typing import Annotated, Any

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.core_api.security import get_user
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException

from assay.config import load_settings
from assay.console._app import create_app
from assay.console._auth import Sessions, current_user
from assay.console._backend import Backend, steward_backend
from assay.console._users import Role, User, session_key
from assay.govern.runs import STAGES, RunState, dag_id
from schemas import Contract

PREFIX = "/assay-console"


def console_role(user: Any) -> Role | None:
    """The console role Airflow's auth manager grants ``user``, None for none."""
    manager = get_auth_manager()
    if manager.is_authorized_configuration(method="PUT", user=user):
        return "admin"
    if manager.is_authorized_asset(method="POST", user=user):
        return "steward"
    if manager.is_authorized_asset(method="GET", user=user):
        return "viewer"
    return None


AirflowUser = Annotated[Any, Depends(get_user)]


def airflow_user(user: AirflowUser) -> User:
    """The signed-in Airflow user as a console user; 403 when Airflow grants no role."""
    role = console_role(user)
    if role is None:
        raise HTTPException(403, f"Airflow grants {user.get_name()} no access to assets")
    return User(user.get_name(), role)


def airflow_runs(contracts: Iterable[Contract]) -> list[RunState]:
    """The DAGs' last finished runs from Airflow's own database: inside the API server the
    console needs no REST login for what the server itself holds."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    found = []
    with create_session() as session:
        for contract in contracts:
            for stage in STAGES:
                dag = dag_id(contract.name, stage)
                last = (select(DagRun).where(DagRun.dag_id == dag)
                        .where(DagRun.state.in_(("success", "failed")))
                        .order_by(DagRun.run_after.desc()).limit(1))  # fmt: skip
                if (run := session.scalars(last).first()) is not None:
                    found.append(RunState(contract.name, stage, dag, str(run.state),
                                          run.run_id, _utc(run.run_after)))  # fmt: skip
    return found


def _utc(moment: Any) -> str:
    """A time as Airflow's REST API spells it (``Z``, not ``+00:00``)."""
    return str(moment.isoformat()).replace("+00:00", "Z")


def airflow_app() -> FastAPI:
    """The console as Airflow mounts it: Airflow's users, this state folder's CSRF key."""
    settings = load_settings()

    @cache
    def backend() -> Backend:
        found = steward_backend(settings)
        return replace(found, runs=lambda: airflow_runs(found.contracts))

    sessions = Sessions(lambda: session_key(settings.state_dir))
    app = create_app(backend, sessions, settings.state_dir, login_url="/")
    app.dependency_overrides[current_user] = airflow_user
    return app


class ConsolePlugin(AirflowPlugin):
    """The steward console in Airflow's navigation, and mounted under ``/assay-console``."""

    name = "assay_console"
    # Airflow declares these as plain class attributes holding lists; so do its examples.
    fastapi_apps = [  # noqa: RUF012
        {"app": airflow_app(), "url_prefix": PREFIX, "name": "assay steward console"}
    ]
    external_views = [  # noqa: RUF012
        {
            "name": "Steward console",
            "href": f"{PREFIX}/",
            "destination": "nav",
            "category": "browse",
        },
        {"name": "Quarantine", "href": f"{PREFIX}/quarantine", "destination": "dag"},
        {"name": "Quarantine", "href": f"{PREFIX}/quarantine", "destination": "dag_run"},
    ]
