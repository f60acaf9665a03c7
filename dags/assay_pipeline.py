"""The pipeline's Airflow DAGs: ingest and validate per contract, and daily retention."""

from assay.pipeline.airflow.dags import pipeline_dags

globals().update(pipeline_dags())
