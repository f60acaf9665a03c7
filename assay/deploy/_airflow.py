"""Values for the official Apache Airflow Helm chart, and the ConfigMap of the DAG files.

The image is Airflow's with assay installed (``pip install "assay[full]"``): the DAG files
import the package, and its provider entry point registers with Airflow. The DAG files come
from the repository's dags/ as a ConfigMap mounted on the DAGs folder, so no image rebuild
is needed to ship them. Every secret is a reference to a Kubernetes Secret, never a value:
Strimzi's user and CA secrets for Kafka, secrets the platform owner creates for S3 and Airflow
(README, "From one machine to a cluster").
The watchers' connections are the local stack's (`wakeup.connection_variables`), with the
watcher's password put in by Kubernetes from Strimzi's secret (``$(VAR)`` expansion).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from pydantic import SecretStr

from assay.deploy import _env, _strimzi
from assay.devstack.stack.kafka_auth import INGEST, WATCHER
from assay.pipeline.airflow import wakeup
from schemas.kafka_security import KafkaSecurity

IMAGE = "REGISTRY/assay-airflow"  # apache/airflow with `pip install "assay[full]"`, tagged
DAGS_CONFIGMAP = "assay-dags"
DAG_FILES = ("assay_pipeline.py",)  # the pipeline's; the smoke DAG is the local stack's
DAGS_FOLDER = PurePosixPath("/opt/airflow/dags")
SECRETS = PurePosixPath("/opt/assay/kafka")  # where Strimzi's secrets are mounted
WATCHER_PASSWORD = "ASSAY_KAFKA_WATCHER_PASSWORD"
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


def values(cluster: str, endpoint: str, contracts: Iterable[str]) -> dict[str, Any]:
    """The chart's values: CeleryExecutor, assay's image, its DAGs, env and secrets."""
    bootstrap = _strimzi.bootstrap(cluster)
    env = _env.task_env(bootstrap, endpoint, Path(password_file(INGEST)), Path(ca_file()))
    return {
        "executor": "CeleryExecutor",
        "workers": {"replicas": WORKERS},
        "images": {"airflow": {"repository": IMAGE, "tag": version("assay")}},
        "config": {"core": {"load_examples": "False", "dags_are_paused_at_creation": "False"}},
        "dags": {"persistence": {"enabled": False}, "gitSync": {"enabled": False}},
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "secret": _s3_keys(),
        "extraEnv": yaml.safe_dump(_watcher_env(bootstrap, contracts), sort_keys=False),
        "volumes": _volumes(cluster),
        "volumeMounts": _mounts(),
        **_chart_secrets(),
    }


def _watcher_env(bootstrap: str, contracts: Iterable[str]) -> list[dict[str, Any]]:
    """The watcher's password from its Strimzi secret, then each watcher's connection, which
    names that variable and is expanded by Kubernetes, so no password is written here."""
    security = KafkaSecurity(
        protocol="SASL_SSL",
        username=WATCHER,
        password=SecretStr(f"$({WATCHER_PASSWORD})"),
        ca_file=Path(ca_file()),
    )
    password = {"secretKeyRef": {"name": WATCHER, "key": "password"}}
    connections = wakeup.connection_variables(bootstrap, contracts, security)
    return [
        {"name": WATCHER_PASSWORD, "valueFrom": password},
        *({"name": k, "value": v} for k, v in connections.items()),
    ]


def _s3_keys() -> list[dict[str, str]]:
    keys = {"ASSAY_S3_ACCESS_KEY": "access_key", "ASSAY_S3_SECRET_KEY": "secret_key"}
    return [{"envName": k, "secretName": S3_SECRET, "secretKey": v} for k, v in keys.items()]


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
