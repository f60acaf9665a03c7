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


def test_the_notify_task_reads_the_runs_as_a_viewer_that_can_change_nothing(
    stack_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks may not read Airflow's database: the notify DAG's task finds the failed runs over
    the REST API with the connection the stack gives tasks, a viewer that cannot trigger."""
    import json
    import urllib.error
    import urllib.request

    from assay.devstack.stack.airflow import api_connection
    from assay.pipeline.airflow.connections import AirflowSecrets, with_secrets

    for name, value in api_connection(stack_settings).items():  # as the scheduler's env has it
        monkeypatch.setenv(name, value)
    task = with_secrets(stack_settings.model_copy(update={"airflow_password": SecretStr("")}),
                        AirflowSecrets())  # fmt: skip
    assert task.airflow_username == "assay-console"
    contracts = list(ContractRegistry.shipped())
    before = airflow_runs(contracts)
    seen = last_runs(contracts, rest_fetch(task))
    assert seen and seen in (before, airflow_runs(contracts))
    token = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"http://{task.airflow_host}:{task.airflow_port}/auth/token",
                json.dumps({"username": task.airflow_username,
                            "password": task.airflow_password.get_secret_value()}).encode(),
                {"Content-Type": "application/json"},
            ),
            timeout=10,
        ).read()
    )["access_token"]  # fmt: skip
    trigger = urllib.request.Request(
        f"http://{task.airflow_host}:{task.airflow_port}/api/v2/dags/{seen[0].dag_id}/dagRuns",
        json.dumps({"logical_date": None}).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(trigger, timeout=10)
    assert refused.value.code == 403


def test_the_notify_dag_run_by_airflow_tells_a_failed_run(stack_settings: Settings) -> None:
    """The real `assay_notify` task, in Airflow's own task process, finds a DAG whose last
    run failed (a finished run marked failed for the test, then put back)."""
    import time

    admin = logged_in(stack_settings)
    (last, *_) = last_runs(list(ContractRegistry.shipped()), rest_fetch(admin))
    run_path = f"/dags/{last.dag_id}/dagRuns/{last.run_id}"
    airflow_client.call(admin, "PATCH", run_path, {"state": "failed"})
    try:
        notify = airflow_client.call(
            admin, "POST", "/dags/assay_notify/dagRuns", {"logical_date": None}
        )
        path = f"/dags/assay_notify/dagRuns/{notify['dag_run_id']}"
        deadline = time.monotonic() + 180
        while (state := airflow_client.call(admin, "GET", path)["state"]) not in (
            "success",
            "failed",
        ):
            assert time.monotonic() < deadline, f"assay_notify still {state}"
            time.sleep(2)
        assert state == "success"
        told = airflow_client.call(
            admin, "GET", f"{path}/taskInstances/notify/xcomEntries/return_value"
        )["value"]
        assert f"failed_run:{last.dag_id}" in told["open"]
        assert told["runs"] == "checked"
    finally:
        airflow_client.call(admin, "PATCH", run_path, {"state": last.state})
