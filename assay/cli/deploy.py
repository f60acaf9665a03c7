"""``assay deploy``: deployments for real clusters, generated from the contracts and settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assay.cli._common import progress, settings, user_errors

app = typer.Typer(
    help="Deployments generated from the contracts and settings.", no_args_is_help=True
)


@app.command()
def k8s(
    out: Annotated[Path, typer.Option(help="Folder to write the files into.")] = Path("infra/k8s"),
    cluster: Annotated[str, typer.Option(help="The Strimzi Kafka cluster's name.")] = "assay",
    s3_endpoint: Annotated[
        str, typer.Option(help="The S3 endpoint Airflow's tasks use (any S3 server).")
    ] = "https://s3.example.com",
    kafka_volume: Annotated[str, typer.Option(help="Each Kafka node's volume size.")] = "100Gi",
) -> None:
    """Strimzi Kafka, topics and users, and Airflow Helm chart values (site contracts included)."""
    from assay.deploy import Target, k8s_files, write_files

    target = Target(cluster=cluster, s3_endpoint=s3_endpoint, kafka_volume=kafka_volume)
    with user_errors():
        written = write_files(out, k8s_files(settings(), target))
    for path in written:
        progress(f"wrote {path}")


@app.command()
def compose(
    out: Annotated[Path, typer.Option(help="Folder to write the files into.")] = Path(
        "infra/compose"
    ),
) -> None:
    """docker-compose.yml and the broker's start script (Kafka principals, tasks' settings)."""
    from assay.deploy import compose_files, write_files

    for path in write_files(out, compose_files()):
        progress(f"wrote {path}")
