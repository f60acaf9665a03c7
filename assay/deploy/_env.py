"""The ``ASSAY_*`` environment a deployment's Airflow tasks get: the settings' own fields.

Every name is a `Settings` field under its prefix, so renaming a field breaks the generator
(and its test) instead of leaving a deployment with a variable nothing reads. Tasks reach
Kafka as the ingest principal and S3 as the pipeline role, as on the local stack.
"""

from __future__ import annotations

from pathlib import Path

from assay.config import ENV_PREFIX, PIPELINE, Settings
from assay.devstack.stack.kafka_auth import INGEST, MECHANISM


def variable(field: str) -> str:
    """The environment variable of a settings field (a `KeyError` for no such field)."""
    if field not in Settings.model_fields:
        raise KeyError(field)
    return f"{ENV_PREFIX}{field.upper()}"


def task_env(bootstrap: str, endpoint: str, password_file: Path, ca_file: Path) -> dict[str, str]:
    """Kafka as ingest over SASL_SSL with a password file and a CA file, S3 as pipeline."""
    values = {
        "kafka_bootstrap": bootstrap,
        "kafka_security_protocol": "SASL_SSL",
        "kafka_sasl_mechanism": MECHANISM,
        "kafka_username": INGEST,
        "kafka_password_file": str(password_file),
        "kafka_ca_file": str(ca_file),
        "s3_endpoint": endpoint,
        "s3_role": PIPELINE,
    }
    return {variable(k): v for k, v in values.items()}
