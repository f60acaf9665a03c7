"""The ``assay`` command: the product's front door."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assay.cli import (
    _common,
    access,
    console,
    contracts,
    datasets,
    demo,
    deploy,
    identity_keys,
    ingest,
    lineage,
    notify,
    release,
    release_review,
    report,
    retention,
    smoke,
    stack,
    status,
    store,
    topics,
    triage,
    validate,
)
from assay.errors import AssayError


class Lang(StrEnum):
    """The languages of ``--lang``."""

    zh = "zh"
    en = "en"


app = typer.Typer(
    help="assay: governed, training-ready datasets from factory production data.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(stack.app, name="stack")
app.add_typer(contracts.app, name="contracts")
app.add_typer(topics.app, name="topics")
app.add_typer(ingest.app, name="ingest")
app.add_typer(validate.app, name="validate")
app.add_typer(datasets.app, name="datasets")
triage.register(datasets.quarantine_app)
app.add_typer(datasets.quarantine_app, name="quarantine")
release_review.register(release.app)
app.add_typer(release.app, name="release")
identity_keys.register(access.app)
app.add_typer(access.app, name="access")
app.add_typer(lineage.app, name="lineage")
app.add_typer(report.app, name="report")
app.add_typer(store.app, name="store")
app.add_typer(console.app, name="console")
app.add_typer(deploy.app, name="deploy")
app.command("status")(status.status)
app.command("notify")(notify.notify)
app.add_typer(retention.app, name="retention")
app.command("audit")(datasets.audit)
app.command("smoke")(smoke.smoke)
app.command("demo")(demo.demo)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"assay {version('assay')}")
        raise typer.Exit()


@app.callback()
def main(
    state_dir: Annotated[
        Path | None,
        typer.Option(help="State folder of the local stack (env ASSAY_STATE_DIR; default .assay)."),
    ] = None,
    lang: Annotated[
        Lang | None,
        typer.Option(
            help="Language of bilingual texts (reasons, titles, labels); default from LANG.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Factory data in, governed datasets out."""
    _common.quiet_third_party_logs()
    _common.set_lang(None if lang is None else lang.value)
    if state_dir is not None:
        os.environ["ASSAY_STATE_DIR"] = str(state_dir)


def run() -> None:
    """The console script: any error of ours becomes one line and exit code 1, no traceback.

    Commands wrap their work in ``user_errors``; this is the net for one that does not, so
    a missing contract or dataset never shows a stack trace.
    """
    try:
        app()
    except AssayError as exc:
        _common.console.print(f"[bold red]error:[/bold red] {exc}")
        sys.exit(1)
