"""The pipeline's Airflow DAGs, generated from the contracts: ingest and validate per contract."""

from assay.pipeline.airflow.dags import pipeline_dags

globals().update(pipeline_dags())
