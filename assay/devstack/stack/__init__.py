"""The local stack without Docker: Kafka, an S3 server and Airflow as plain processes."""

from assay.devstack.stack._service import Prerequisite, Service, Status
from assay.devstack.stack._stack import (
    check_shape,
    down,
    exports,
    services,
    shape,
    shell_exports,
    status,
    up,
)

__all__ = [
    "Prerequisite",
    "Service",
    "Status",
    "check_shape",
    "down",
    "exports",
    "services",
    "shape",
    "shell_exports",
    "status",
    "up",
]
