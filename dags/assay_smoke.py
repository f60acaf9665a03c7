"""Smoke DAG: a few readings through Kafka into Parquet on S3, run as a real Airflow task."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="assay_smoke",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["assay", "smoke"],
    doc_md="Proves the stack end to end: produce, land as Parquet on S3, commit offsets.",
)
def assay_smoke() -> None:
    @task
    def land_smoke_readings(count: int = 50) -> str:
        """Produce ``count`` readings and land them; returns the object's URI."""
        from assay.config import load_settings
        from assay.devstack.smoke import run

        return run(load_settings(), count).uri

    land_smoke_readings()


assay_smoke()
