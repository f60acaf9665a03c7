"""The ``assay_release`` DAG on the real Airflow: a request, a second steward's answer under
*Required Actions* (the HITL API), publication under object lock.

The run is triggered through the REST API as the stack's admin (the requester); the
approval is answered through the HITL endpoint as another Airflow user, whose token the
auth manager signs with the stack's own JWT secret — so the two-person rule is met as in
production. The stack gives Airflow the pipeline's S3 keys only; the test lends the DAG
the releaser's keys as the ``assay_s3_releaser`` connection and removes it afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest

from assay.config import RELEASER, STEWARD, Settings
from assay.devstack import airflow_client
from assay.govern.releases import LockedS3Store, release_status
from assay.pipeline.airflow import connections
from assay.store import layout
from assay.store.objects import S3Store, s3_client
from schemas import ContractRegistry

pytestmark = pytest.mark.integration
DAG_ID = "assay_release"
APPROVER = "second-steward"
HITL = "/dags/assay_release/dagRuns/{run}/taskInstances/approval/-1/hitlDetails"


def curated_day(settings: Settings) -> tuple[str, str]:
    """The shipped contract and date with the most curated objects on the stack."""
    steward = settings.as_role(STEWARD)
    store, shipped = S3Store(steward), {c.name for c in ContractRegistry.shipped()}
    days: Counter[tuple[str, str]] = Counter()
    for key in store.keys(steward.bucket_curated, ""):
        day = layout.curated_partition(key).get("date")
        if key.split("/")[0] in shipped and day:
            days[(key.split("/")[0], day)] += 1
    if not days:
        pytest.fail("no curated data on the stack: run `assay demo` first", pytrace=False)
    return days.most_common(1)[0][0]


@pytest.fixture
def releaser_connection(stack_settings: Settings) -> Iterator[None]:
    """The releaser's S3 keys as the DAG's ``assay_s3_releaser`` connection, for this test."""
    conn_id = connections.s3_connection_id(RELEASER)
    releaser = stack_settings.as_role(RELEASER)
    body = connections.s3_connection(
        releaser.s3_endpoint, releaser.s3_region, *releaser.s3_credentials()
    )
    made = not _exists(stack_settings, f"/connections/{conn_id}")
    if made:
        airflow_client.call(stack_settings, "POST", "/connections", {
            **body, "connection_id": conn_id, "extra": json.dumps(body["extra"])})  # fmt: skip
    try:
        yield
    finally:
        if made:  # Airflow answers 204 without a body, which the client cannot parse
            with suppress(ValueError):
                airflow_client.call(stack_settings, "DELETE", f"/connections/{conn_id}")


def test_a_release_is_published_and_locked_after_a_second_stewards_approval(
    stack_settings: Settings, releaser_connection: None
) -> None:
    contract, day = curated_day(stack_settings)
    version = f"0.{int(time.time())}.0"
    conf = {"contract": contract, "version": version, "date_from": day, "date_to": day,
            "licence": "CC-BY-4.0", "recipient": "pilot-base-it",
            "comment": "integration test of the release DAG"}  # fmt: skip
    _wait_for_dag(stack_settings)
    run = airflow_client.trigger(stack_settings, DAG_ID, conf)
    path = HITL.format(run=run)
    _wait_for_approval_step(stack_settings, path, run)
    answer = {"chosen_options": ["Approve"], "params_input": {"comment": "rows checked"}}
    responded = _as_user(stack_settings, APPROVER, "PATCH", f"/api/v2{path}", answer)
    assert responded["responded_by"]["name"] == APPROVER
    _wait(stack_settings, lambda: _state(stack_settings, run) in ("success", "failed"), run)
    assert _state(stack_settings, run) == "success", _task_states(stack_settings, run)

    releaser = stack_settings.as_role(RELEASER)
    status = release_status(LockedS3Store(releaser), releaser.bucket_releases, contract, version)
    assert status.state == "published"
    assert status.request["by"] == stack_settings.airflow_username
    approval = status.manifest["approval"]
    assert approval["by"] == APPROVER and approval["comment"] == "rows checked"
    assert approval["single_steward"] is False
    first = status.manifest["files"][0]["path"]
    retention = s3_client(stack_settings).get_object_retention(  # root: roles may not read it
        releaser.bucket_releases, f"{contract}/{version}/{first}"
    )
    assert retention is not None and retention.mode == releaser.release_lock_mode


def test_a_rejection_is_recorded_and_a_failed_request_makes_the_run_fail(
    stack_settings: Settings, releaser_connection: None
) -> None:
    contract, day = curated_day(stack_settings)
    version = f"0.{int(time.time())}.1"
    conf = {"contract": contract, "version": version, "date_from": day, "date_to": day,
            "licence": "CC-BY-4.0", "comment": "to be rejected"}  # fmt: skip
    _wait_for_dag(stack_settings)
    run = airflow_client.trigger(stack_settings, DAG_ID, conf)
    path = HITL.format(run=run)
    _wait_for_approval_step(stack_settings, path, run)
    answer = {"chosen_options": ["Reject"], "params_input": {"comment": "wrong window"}}
    _as_user(stack_settings, APPROVER, "PATCH", f"/api/v2{path}", answer)
    _wait(stack_settings, lambda: _state(stack_settings, run) in ("success", "failed"), run)
    assert dict(_task_states(stack_settings, run))["record_rejection"] == "success"
    releaser = stack_settings.as_role(RELEASER)
    status = release_status(LockedS3Store(releaser), releaser.bucket_releases, contract, version)
    assert status.state == "rejected" and status.decision is not None
    assert status.decision["by"] == APPROVER and status.decision["comment"] == "wrong window"

    broken = airflow_client.trigger(stack_settings, DAG_ID, {**conf, "contract": "no_such"})
    deadline = time.monotonic() + 300
    while _state(stack_settings, broken) not in ("success", "failed"):
        assert time.monotonic() < deadline, f"{DAG_ID} run {broken} did not end"
        time.sleep(2)
    assert _state(stack_settings, broken) == "failed", _task_states(stack_settings, broken)


def _wait_for_approval_step(settings: Settings, path: str, run: str) -> None:
    """Until the approval step waits for an answer, and a person's moment more: Airflow marks
    a task failed when its answer re-queues it before the executor has reported the step's
    pause ("state changed externally"), which only a script answering within a second does."""
    _wait(settings, lambda: _exists(settings, path), run)
    time.sleep(5)


def _wait_for_dag(settings: Settings, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not airflow_client.dag_exists(settings, DAG_ID):
        if time.monotonic() > deadline:
            pytest.fail(f"{DAG_ID} is not parsed or is paused", pytrace=False)
        time.sleep(2)


def _wait(settings: Settings, ready: Any, run: str, timeout: float = 300) -> None:
    """Until ``ready()``; a failed task (a run whose request failed still ends "success":
    its last task, record_rejection, is skipped) fails the test at once with every state."""
    deadline = time.monotonic() + timeout
    while not ready():
        states = _task_states(settings, run)
        if any(state in ("failed", "upstream_failed") for _, state in states):
            pytest.fail(f"{DAG_ID} run {run}: {states}", pytrace=False)
        if time.monotonic() > deadline:
            pytest.fail(f"{DAG_ID} run {run} did not get there in {timeout:.0f} s", pytrace=False)
        time.sleep(2)


def _state(settings: Settings, run: str) -> str:
    return str(airflow_client.call(settings, "GET", f"/dags/{DAG_ID}/dagRuns/{run}")["state"])


def _task_states(settings: Settings, run: str) -> list[tuple[str, str]]:
    found = airflow_client.call(settings, "GET", f"/dags/{DAG_ID}/dagRuns/{run}/taskInstances")
    return [(t["task_id"], t["state"]) for t in found["task_instances"]]


def _exists(settings: Settings, path: str) -> bool:
    try:
        airflow_client.call(settings, "GET", path)
    except airflow_client.AirflowApiError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def _as_user(settings: Settings, name: str, method: str, path: str, body: Any) -> Any:
    """A REST call as Airflow user ``name`` (an admin of the simple auth manager), with a
    token the running auth manager accepts: signed by `AIRFLOW_HOME`'s JWT secret."""
    from assay.devstack.stack._airflow_env import airflow_home

    # Signed in a process of its own that reads the stack's airflow.cfg: this process's
    # Airflow may have loaded another configuration, and caches its token signer.
    script = (
        "from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import "
        "SimpleAuthManager\n"
        "from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser\n"
        f"user = SimpleAuthManagerUser(username={name!r}, role='admin')\n"
        "print(SimpleAuthManager().generate_jwt(user))\n"
    )
    env = {**os.environ, "AIRFLOW_HOME": str(airflow_home(settings))}
    env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW__")}
    signed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert signed.returncode == 0, signed.stderr[-2000:]
    token = signed.stdout.strip().splitlines()[-1]
    request = urllib.request.Request(
        airflow_client.base_url(settings) + path,
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        pytest.fail(f"{method} {path} as {name}: {exc.code} {exc.read()[:500]!r}", pytrace=False)
