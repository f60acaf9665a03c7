"""Before a command talks to a service: is anything listening there at all?

A client library left to find out retries for seconds (minio's urllib3 pool, librdkafka) and
then prints its own error. One TCP connect per service, with a one-second timeout, names the
service that is down and how to start it instead; a service that answers is left to the
command (its errors, such as a refused login, are translated where they happen).
"""

from __future__ import annotations

import socket
from typing import Literal
from urllib.parse import urlsplit

from assay.config import STACK_FILE, Settings
from assay.errors import ServiceUnreachable

Service = Literal["s3", "kafka", "airflow"]
TIMEOUT_S = 1.0
_NAMES = {"s3": "the S3 server", "kafka": "Kafka", "airflow": "Airflow"}
_SETTING = {
    "s3": "ASSAY_S3_ENDPOINT",
    "kafka": "ASSAY_KAFKA_BOOTSTRAP",
    "airflow": "ASSAY_AIRFLOW_PORT",
}


def preflight(settings: Settings, *services: Service) -> None:
    """Raise `ServiceUnreachable` for the first of ``services`` nothing answers for."""
    for service in services:
        addresses = addresses_of(settings, service)
        problems = [p for p in map(_connect_problem, addresses) if p is not None]
        if len(problems) == len(addresses):
            where = ",".join(f"{h}:{p}" for h, p in addresses)
            raise ServiceUnreachable(_NAMES[service], where, problems[0], _fix(settings, service))


def addresses_of(settings: Settings, service: Service) -> list[tuple[str, int]]:
    """Host and port pairs a service is reached at (Kafka: every bootstrap server)."""
    if service == "s3":
        url = urlsplit(settings.endpoint)
        return [(url.hostname or "127.0.0.1", url.port or (443 if url.scheme == "https" else 80))]
    if service == "kafka":
        pairs = [b.strip().rpartition(":") for b in settings.bootstrap.split(",") if b.strip()]
        return [(host.strip("[]") or "127.0.0.1", int(port)) for host, _, port in pairs]
    return [("127.0.0.1", settings.airflow_port)]


def _connect_problem(address: tuple[str, int]) -> str | None:
    try:
        with socket.create_connection(address, timeout=TIMEOUT_S):
            return None
    except TimeoutError:
        return f"no answer within {TIMEOUT_S:g} s"
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def _fix(settings: Settings, service: Service) -> str:
    if (settings.state_dir / STACK_FILE).is_file():
        return (
            f"start the local stack with `assay stack up` (state {settings.state_dir}); "
            "`assay stack status` shows each service"
        )
    return f"start {_NAMES[service]} there, or set {_SETTING[service]} to where it runs"
