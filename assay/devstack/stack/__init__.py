"""The local stack without Docker: Kafka, an S3 server and Airflow as plain processes."""

from assay.devstack.stack._service import Prerequisite, Service, Status
from assay.devstack.stack._stack import down, exports, services, shell_exports, status, up

__all__ = [
    "Prerequisite",
    "Service",
    "Status",
    "down",
    "exports",
    "services",
    "shell_exports",
    "status",
    "up",
]
