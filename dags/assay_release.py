"""The release DAG: request, human-in-the-loop approval, publication (see release_dag)."""

from assay.pipeline.airflow.release_dag import release_dag

release = release_dag()
