"""Real Airflow: a login guards its API, every DAG file imports, and a task runs and writes
to the S3 server."""

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pydantic import SecretStr

from assay.config import Settings
from assay.devstack import airflow_client
from assay.devstack.stack.airflow import DAGS
from assay.store.objects import arrow_filesystem

pytestmark = pytest.mark.integration


def test_the_api_needs_a_login(stack_settings: Settings) -> None:
    base = airflow_client.base_url(stack_settings)
    for path, refused in (("/api/v2/dags", 401), ("/auth/token", 403)):  # 403: no all-admins
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + path, timeout=10)
        assert err.value.code == refused, path
    wrong = stack_settings.model_copy(update={"airflow_password": SecretStr("not-the-one")})
    with pytest.raises(airflow_client.AirflowApiError) as err:
        airflow_client.token(wrong, fresh=True)
    assert err.value.status == 401 and "not-the-one" not in str(err.value)
    assert airflow_client.call(stack_settings, "GET", "/dags?limit=1")["total_entries"] >= 1


def test_every_dag_file_imports_without_errors(stack_settings: Settings) -> None:
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(DAGS), safe_mode=False)
    assert bag.import_errors == {}
    files = {Path(dag.fileloc).name for dag in bag.dags.values()}
    assert files == {p.name for p in DAGS.glob("*.py")}
    assert "assay_smoke" in bag.dag_ids


def test_smoke_dag_runs_a_real_task_that_writes_to_s3(stack_settings: Settings) -> None:
    from airflow.models import DagBag
    from airflow.utils.state import DagRunState

    dag = DagBag(dag_folder=str(DAGS / "assay_smoke.py"), safe_mode=False).get_dag("assay_smoke")
    with paused(stack_settings, "assay_smoke"):
        run = dag.test()
    assert run.state == DagRunState.SUCCESS
    uri = run.get_task_instance("land_smoke_readings").xcom_pull(task_ids="land_smoke_readings")
    table = pq.read_table(uri.removeprefix("s3://"), filesystem=arrow_filesystem(stack_settings))
    assert table.num_rows == 50


@contextmanager
def paused(settings: Settings, dag_id: str) -> Iterator[None]:
    """``dag_id`` paused in the running Airflow: ``dag.test()`` writes its run into the same
    database, and the stack's scheduler would otherwise run the same task instance too."""
    deadline = time.monotonic() + 120
    while True:  # the DAG processor parses new DAG files within seconds
        try:
            airflow_client.call(settings, "PATCH", f"/dags/{dag_id}", {"is_paused": True})
            break
        except airflow_client.AirflowApiError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)
    try:
        yield
    finally:
        airflow_client.call(settings, "PATCH", f"/dags/{dag_id}", {"is_paused": False})


def test_retention_dag_runs_a_real_task_per_contract(stack_settings: Settings) -> None:
    from airflow.models import DagBag
    from airflow.utils.state import DagRunState

    from schemas import ContractRegistry

    bag = DagBag(dag_folder=str(DAGS / "assay_pipeline.py"), safe_mode=False)
    dag = bag.get_dag("assay_retention")
    with paused(stack_settings, "assay_retention"):
        run = dag.test()
    assert run.state == DagRunState.SUCCESS
    instances = run.get_task_instances()
    summaries = [ti.xcom_pull(task_ids="expire", map_indexes=ti.map_index) for ti in instances]
    names = sorted(c.name for c in ContractRegistry.shipped())
    assert sorted(s["contract"] for s in summaries) == names
    assert all(s["dry_run"] is False and "layers" in s for s in summaries)
