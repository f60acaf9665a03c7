"""assay as an Airflow provider: what ``airflow providers list`` shows, through the
``apache_airflow_provider`` entry point (pyproject.toml).

Airflow reads this at start-up in every process, so it imports nothing but the standard
library. The DAGs still come from the DAG files (``dags/``); the provider makes the package
and its executor known to an existing Airflow.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

PACKAGE = "assay"


def get_provider_info() -> dict[str, Any]:
    """The provider record, in the shape of Airflow's ``provider_info.schema.json``."""
    return {
        "package-name": PACKAGE,
        "name": "assay",
        "description": "Event-driven data governance for factory production data: Kafka in, "
        "validated and governed Parquet datasets out.",
        "versions": [version(PACKAGE)],
        "executors": ["assay.pipeline.airflow.warm_executor.WarmLocalExecutor"],
    }
