"""The ``assay`` command: the product's front door."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from assay.cli import (
    access,
    contracts,
    datasets,
    demo,
    ingest,
    lineage,
    release,
    report,
    smoke,
    stack,
    status,
    topics,
)

app = typer.Typer(
    help="assay: governed, training-ready datasets from factory production data.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(stack.app, name="stack")
app.add_typer(contracts.app, name="contracts")
app.add_typer(topics.app, name="topics")
app.add_typer(ingest.app, name="ingest")
app.add_typer(datasets.app, name="datasets")
app.add_typer(datasets.quarantine_app, name="quarantine")
app.add_typer(release.app, name="release")
app.add_typer(access.app, name="access")
app.add_typer(lineage.app, name="lineage")
app.add_typer(report.app, name="report")
app.command("status")(status.status)
app.command("audit")(datasets.audit)
app.command("smoke")(smoke.smoke)
app.command("demo")(demo.demo)


@app.callback()
def main(
    state_dir: Annotated[
        Path | None,
        typer.Option(help="State folder of the local stack (env ASSAY_STATE_DIR; default .assay)."),
    ] = None,
) -> None:
    """Factory data in, governed datasets out."""
    if state_dir is not None:
        os.environ["ASSAY_STATE_DIR"] = str(state_dir)
