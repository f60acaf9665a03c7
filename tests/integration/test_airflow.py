"""Real Airflow: every DAG file imports, and a task runs and writes to the S3 server."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from assay.config import Settings
from assay.stack.airflow import DAGS
from assay.store import arrow_filesystem

pytestmark = pytest.mark.integration


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
    run = dag.test()
    assert run.state == DagRunState.SUCCESS
    uri = run.get_task_instance("land_smoke_readings").xcom_pull(task_ids="land_smoke_readings")
    table = pq.read_table(uri.removeprefix("s3://"), filesystem=arrow_filesystem(stack_settings))
    assert table.num_rows == 50
