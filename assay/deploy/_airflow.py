"""Values for the official Apache Airflow Helm chart, and the ConfigMap of the DAG files.

The image is Airflow's with assay installed (``pip install "assay[full]"``): the DAG files
import the package, and its provider entry point registers with Airflow. The DAG files come
from the repository's dags/ as a ConfigMap mounted on the DAGs folder, so no image rebuild
is needed to ship them. Every secret is a reference to a Kubernetes Secret, never a value:
Strimzi's user and CA secrets for Kafka, secrets the platform owner creates for S3 and Airflow
(README, "From one machine to a cluster").
The tasks' connections — ``assay_s3``, ``assay_kafka`` (ingest) and each topic watcher's — are
made by the local stack's code (`connections.task_connections`), with each secret put in by
Kubernetes from its Secret (``$(VAR)`` expansion), so no secret is written here.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import SecretStr

from assay.deploy import _env, _strimzi
from assay.devstack.stack.kafka_auth import INGEST, RELEASER, WATCHER
from assay.pipeline.airflow import connections
from assay.pipeline.airflow.connections import TaskAccess
from schemas.kafka_security import KafkaSecurity

IMAGE = "REGISTRY/assay-airflow"  # apache/airflow with `pip install "assay[full]"`, tagged
DAGS_CONFIGMAP = "assay-dags"
DAG_FILES = ("assay_pipeline.py",)  # the pipeline's; the smoke DAG is the local stack's
DAGS_FOLDER = PurePosixPath("/opt/airflow/dags")
SECRETS = PurePosixPath("/opt/assay/kafka")  # where Strimzi's secrets are mounted
WATCHER_PASSWORD = "ASSAY_KAFKA_WATCHER_PASSWORD"
INGEST_PASSWORD = "ASSAY_KAFKA_INGEST_PASSWORD"
RELEASER_PASSWORD = "ASSAY_KAFKA_RELEASER_PASSWORD"
WORKERS = 2  # Celery workers; each runs the tasks of any DAG
S3_SECRET = "assay-s3-pipeline"  # keys access_key, secret_key: `assay access show pipeline`


def ca_file() -> PurePosixPath:
    """Strimzi's cluster CA certificate in Airflow's pods."""
    return SECRETS / "ca" / "ca.crt"


def password_file(user: str) -> PurePosixPath:
    """A Kafka principal's password (its Strimzi user secret) in Airflow's pods."""
    return SECRETS / user / "password"


def dags_configmap(dags: Path) -> dict[str, Any]:
    """The pipeline's DAG files of ``dags`` in one ConfigMap."""
    files = {name: (dags / name).read_text(encoding="utf-8") for name in DAG_FILES}
    metadata = {"name": DAGS_CONFIGMAP}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": files}


def values(cluster: str, endpoint: str, region: str, contracts: Iterable[str]) -> dict[str, Any]:
    """The chart's values: CeleryExecutor, assay's image, its DAGs, env and secrets."""
    bootstrap = _strimzi.bootstrap(cluster)
    access = task_access(bootstrap, endpoint, region, contracts)
    env = _env.task_env(bootstrap, endpoint, Path(password_file(INGEST)), Path(ca_file()))
    return {
        "executor": "CeleryExecutor",
        "workers": {"replicas": WORKERS},
        "images": {"airflow": {"repository": IMAGE, "tag": version("assay")}},
        "config": {"core": {"load_examples": "False", "dags_are_paused_at_creation": "False"}},
        "dags": {"persistence": {"enabled": False}, "gitSync": {"enabled": False}},
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "extraEnv": yaml.safe_dump(connection_env(access), sort_keys=False),
        "volumes": _volumes(cluster),
        "volumeMounts": _mounts(),
        **_chart_secrets(),
    }


def secret_refs() -> dict[str, tuple[str, str]]:
    """Every secret the tasks' connections hold, as the Secret and key it comes from. They are
    defined before the connections, so a ``$(VAR)`` in a connection expands to the value."""
    return {
        "ASSAY_S3_ACCESS_KEY": (S3_SECRET, "access_key"),
        "ASSAY_S3_SECRET_KEY": (S3_SECRET, "secret_key"),
        INGEST_PASSWORD: (INGEST, "password"),  # Strimzi's user secrets
        WATCHER_PASSWORD: (WATCHER, "password"),
        RELEASER_PASSWORD: (RELEASER, "password"),
    }


def task_access(bootstrap: str, endpoint: str, region: str, contracts: Iterable[str]) -> TaskAccess:
    """The tasks' connections' makings in the cluster: every secret a ``$(VAR)`` reference."""
    return TaskAccess(
        bootstrap=bootstrap,
        contracts=tuple(contracts),
        ingest=_sasl(INGEST, INGEST_PASSWORD),
        watcher=_sasl(WATCHER, WATCHER_PASSWORD),
        releaser=_sasl(RELEASER, RELEASER_PASSWORD),
        s3_endpoint=endpoint,
        s3_region=region,
        s3_keys=("$(ASSAY_S3_ACCESS_KEY)", "$(ASSAY_S3_SECRET_KEY)"),
    )


def _sasl(user: str, variable: str) -> KafkaSecurity:
    return KafkaSecurity(
        protocol="SASL_SSL",
        username=user,
        password=SecretStr(f"$({variable})"),
        ca_file=Path(ca_file()),
    )


def connection_env(access: TaskAccess) -> list[dict[str, Any]]:
    """The secrets from their Kubernetes Secrets, then every connection the tasks read
    (`connections.task_connections`, as the local stack's), naming them as ``$(VAR)``."""
    refs = [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
        for name, (secret, key) in secret_refs().items()
    ]
    found = connections.connection_variables(connections.task_connections(access))
    return [*refs, *({"name": k, "value": v} for k, v in found.items())]


def _volumes(cluster: str) -> list[dict[str, Any]]:
    """Strimzi's cluster CA certificate and the ingest user's secret, read-only."""
    return [
        {"name": "assay-dags", "configMap": {"name": DAGS_CONFIGMAP}},
        {"name": "kafka-ca", "secret": {"secretName": f"{cluster}-cluster-ca-cert"}},
        {"name": "kafka-ingest", "secret": {"secretName": INGEST}},
    ]


def _mounts() -> list[dict[str, Any]]:
    return [
        {"name": "assay-dags", "mountPath": str(DAGS_FOLDER), "readOnly": True},
        {"name": "kafka-ca", "mountPath": str(ca_file().parent), "readOnly": True},
        {"name": "kafka-ingest", "mountPath": str(password_file(INGEST).parent), "readOnly": True},
    ]


def _chart_secrets() -> dict[str, Any]:
    """The chart's own secrets by name: create them before installing (README)."""
    return {
        "fernetKeySecretName": "assay-airflow-fernet-key",
        "apiSecretKeySecretName": "assay-airflow-api-secret-key",
        "jwtSecretName": "assay-airflow-jwt-secret",
        "data": {
            "metadataSecretName": "assay-airflow-metadata",
            "brokerUrlSecretName": "assay-airflow-broker-url",
        },
        "redis": {"passwordSecretName": "assay-airflow-redis-password"},
        "postgresql": {"enabled": False},
    }
