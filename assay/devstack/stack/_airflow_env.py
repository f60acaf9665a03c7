"""The environment of Airflow's processes: its home, this interpreter, the pipeline's keys.

Kept apart from the services so that what a task process inherits is one readable function.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from assay.config import PIPELINE, Settings
from assay.devstack.stack.kafka_auth import (
    INGEST,
    RELEASER,
    WATCHER,
    principal_env,
    principal_security,
)
from assay.pipeline.airflow.connections import TaskAccess


def airflow_home(settings: Settings) -> Path:
    """The folder every Airflow process and client uses as ``AIRFLOW_HOME``."""
    return (settings.state_dir / "airflow").resolve()


def airflow_env(settings: Settings, base: dict[str, str]) -> dict[str, str]:
    """``base`` pointed at the stack's home; inherited ``AIRFLOW__*`` overrides still apply.

    Tasks get the pipeline role's S3 keys and no other: whatever keys the shell that ran
    ``assay stack up`` had are replaced. Tasks read them from the ``assay_s3`` connection and
    Kafka from ``assay_kafka``, as in an existing Airflow (docs/airflow.md); ``ASSAY_S3_*``
    and ``ASSAY_KAFKA_*`` serve the stack's other processes.
    """
    env = {k: v for k, v in base.items() if k != "AIRFLOW_CONFIG"}
    env["AIRFLOW_HOME"] = str(airflow_home(settings))
    # Tasks that shell out to `python` or `airflow` must find this environment's, not the system's.
    inherited = [p for p in base.get("PATH", "").split(os.pathsep) if p]
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), *inherited])
    # Tasks reach Kafka as the ingest principal, never as the stack's admin.
    keys = pipeline_keys(settings) | principal_env(settings, INGEST)
    return env | keys | task_connections(settings)


def pipeline_keys(settings: Settings) -> dict[str, str]:
    """``ASSAY_S3_*`` of the pipeline role, from the state folder (never a configured pair)."""
    from pydantic import SecretStr

    stored = settings.model_copy(update={"s3_access_key": "", "s3_secret_key": SecretStr("")})
    access, secret = stored.s3_credentials(PIPELINE)
    return {
        "ASSAY_S3_ACCESS_KEY": access,
        "ASSAY_S3_SECRET_KEY": secret,
        "ASSAY_S3_ROLE": PIPELINE,
    }


def task_access(settings: Settings, s3_keys: tuple[str, str] | None = None) -> TaskAccess:
    """What this stack's task connections are made of: ``s3_keys``, else the pipeline role's
    keys from the state folder; Kafka as ingest (tasks), as watcher (topic watchers) and as
    releaser (the release tasks' ledger)."""
    if s3_keys is None:
        keys = pipeline_keys(settings)
        s3_keys = (keys["ASSAY_S3_ACCESS_KEY"], keys["ASSAY_S3_SECRET_KEY"])
    return TaskAccess(
        bootstrap=settings.bootstrap,
        contracts=tuple(c.name for c in settings.contracts()),
        ingest=principal_security(settings, INGEST),
        watcher=principal_security(settings, WATCHER),
        releaser=principal_security(settings, RELEASER),
        s3_endpoint=settings.endpoint,
        s3_region=settings.s3_region,
        s3_keys=s3_keys,
    )


def task_connections(settings: Settings) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` of every connection the tasks read (`connections.task_connections`):
    ``assay_s3``, ``assay_kafka`` and each contract's watcher."""
    from assay.pipeline.airflow import connections

    return connections.connection_variables(connections.task_connections(task_access(settings)))


def s3_connections(settings: Settings) -> dict[str, str]:
    """``AIRFLOW_CONN_ASSAY_S3`` alone: the pipeline role's keys and the stack's S3 server."""
    from assay.pipeline.airflow.connections import S3_CONNECTION, connection_env

    name = connection_env(S3_CONNECTION)
    return {name: task_connections(settings)[name]}
