"""``assay stack``: the local Kafka, S3 server and Airflow, as plain processes."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from assay.cli._common import Json, console, out, print_json, progress, settings, user_errors
from assay.config import Settings
from assay.devstack import stack
from assay.devstack.stack import _process

app = typer.Typer(
    help="Run the local stack (Kafka, S3 server, Airflow) without Docker.", no_args_is_help=True
)


@app.command()
def up(
    airflow: Annotated[bool, typer.Option(help="Also start Airflow.")] = True,
    db: Annotated[str, typer.Option(help="Airflow's database: sqlite or postgres.")] = "",
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Kafka in PLAINTEXT without authentication or ACLs, for debugging. "
            "Default: SASL_SSL with SCRAM principals, TLS and ACLs.",
        ),
    ] = False,
    cluster: Annotated[
        bool | None,
        typer.Option(
            "--cluster/--single",
            help="Three Kafka brokers (replication 3, min.insync.replicas 2) and Airflow's "
            "CeleryExecutor with Redis and two workers, or the one-process-each stack. "
            "Default: what this state folder ran last (a new one: --single).",
        ),
    ] = None,
) -> None:
    """Start every service that is not already running and healthy (idempotent)."""
    with user_errors():
        overrides: dict[str, object] = {"airflow_db": db} if db else {}
        if cluster is not None:
            overrides |= stack.shape(cluster)
        current = stack.check_shape(settings(), settings().model_copy(update=overrides))
        started = time.monotonic()
        ready = stack.up(current, progress, airflow=airflow, insecure=insecure)
        console.print(
            f"[green]stack ready[/green] in {time.monotonic() - started:.0f}s; "
            f"state in {ready.state_dir.resolve()}"
        )
        console.print('clients: eval "$(assay stack env)"')


@app.command()
def down() -> None:
    """Stop the processes this state folder started (by recorded pid)."""
    with user_errors():
        stack.down(settings(), progress)


@app.command()
def status(as_json: Json = False) -> None:
    """Show each service: running, healthy, pid, ports and version. Exit 1 if any is down."""
    with user_errors():
        current = settings()
        rows = stack.status(current)
    if as_json:
        print_json(rows)
        if not all(row.healthy for row in rows):
            raise typer.Exit(1)
        return
    table = Table("service", "state", "pid", "ports", "version", "log")
    for row in rows:
        state = (
            "[green]healthy[/green]"
            if row.healthy
            else (
                "[yellow]running, not answering[/yellow]" if row.running else "[red]stopped[/red]"
            )
        )
        table.add_row(
            row.name,
            state,
            str(row.pid or "-"),
            ",".join(map(str, row.ports)),
            row.version,
            str(row.log),
        )
    out.print(table)
    _print_login(current)
    if not all(row.healthy for row in rows):
        raise typer.Exit(1)


def _print_login(current: Settings) -> None:
    """Where to log in to Airflow, and where the password is (not the password itself)."""
    from assay.devstack.stack.airflow import ADMIN, admin_password_file, api_url

    path = admin_password_file(current)
    if path.is_file():
        out.print(
            f"Airflow UI {api_url(current)}/ — user {ADMIN}, password in {path.resolve()} "
            '(`eval "$(assay stack env)"` exports it as ASSAY_AIRFLOW_PASSWORD)'
        )


@app.command()
def logs(
    service: Annotated[str, typer.Argument(help="kafka, s3, or an Airflow component.")],
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines.")] = 50,
) -> None:
    """Print the last lines of a service's log."""
    with user_errors():
        names = {s.name: s for s in stack.services(settings())}
        if service not in names:
            console.print(
                f"[red]error:[/red] no service {service!r}; choose one of {', '.join(names)}"
            )
            raise typer.Exit(2)
        out.print(_process.tail(names[service].log_file, lines), markup=False, highlight=False)


@app.command()
def env() -> None:
    """Print ``export`` lines for a shell: ``eval "$(assay stack env)"``."""
    with user_errors():
        out.print(stack.shell_exports(settings()), markup=False, highlight=False)


@app.command()
def telegraf() -> None:
    """Build Telegraf once (the plugins infra/telegraf/ uses) and print the binary's path.

    Plants run their own Telegraf; this one is for trying infra/telegraf/ against the stack
    and for the integration tests. Cached per version in the cache folder.
    """
    from assay.devstack.telegraf import ensure_telegraf

    with user_errors():
        binary = ensure_telegraf(settings(), progress)
    out.print(str(binary), markup=False, highlight=False)
