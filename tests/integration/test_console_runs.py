"""The overview's DAG runs: Airflow's REST API (standalone console) and Airflow's own
database (the console inside Airflow's API server) say the same of the real Airflow."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from assay.config import Settings
from assay.console._airflow import airflow_runs
from assay.devstack import airflow_client
from assay.govern.runs import RunsUnknown, last_runs, rest_fetch
from schemas import ContractRegistry

pytestmark = pytest.mark.integration


def logged_in(settings: Settings) -> Settings:
    """The settings with the stack's Airflow login, as `assay stack env` exports it."""
    user, password = airflow_client.login(settings)
    update = {"airflow_username": user, "airflow_password": SecretStr(password)}
    return settings.model_copy(update=update)


def test_rest_and_database_agree_on_every_contracts_last_runs(stack_settings: Settings) -> None:
    contracts = list(ContractRegistry.shipped())
    before = airflow_runs(contracts)
    over_rest = last_runs(contracts, rest_fetch(logged_in(stack_settings)))
    after = airflow_runs(contracts)  # a run may finish in between: either read is right
    assert over_rest, "the stack's ingest DAGs have not finished a run yet"
    assert {r.stage for r in over_rest} <= {"ingest", "validate"}
    assert over_rest in (before, after)


def test_a_closed_port_is_unknown_runs_not_an_error(stack_settings: Settings) -> None:
    closed = logged_in(stack_settings).model_copy(update={"airflow_port": 9})
    with pytest.raises(RunsUnknown) as unknown:
        last_runs(list(ContractRegistry.shipped()), rest_fetch(closed))
    assert unknown.value.status is None and "did not answer" in unknown.value.reason
