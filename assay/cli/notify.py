"""``assay notify``: tell people of open problems, once each until it clears."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from assay.cli._common import Json, out, print_json, settings, user_errors
from assay.errors import AssayError

if TYPE_CHECKING:
    from assay.config import Settings
    from assay.govern.runs import Fetch


def notify(
    link: Annotated[
        str, typer.Option(envvar="ASSAY_CONSOLE_URL", help="Where people act: the console's URL.")
    ] = "",
    as_json: Json = False,
) -> None:
    """Check for stalled partitions, lost data, unbalanced audits, scores under the
    threshold and failed DAG runs; send a notice of each one not told yet to every channel
    in the settings (SMTP, WeCom, DingTalk, Feishu). Run it from cron, or let the
    ``assay_notify`` DAG do it; exit 1 while any problem is open."""
    from assay.govern.alerts import gather, notify_problems

    with user_errors():
        current = settings()
        gathered = gather(current, list(current.contracts()), _runs(current))
        found = gathered.problems
        sent = notify_problems(current, found, link)
    if as_json:
        outcomes = {k: [d.__dict__ for d in ds] for k, ds in sent.items()}
        report = {"open": [p.__dict__ for p in found], "sent": outcomes}
        print_json(report | {"runs_unknown": gathered.runs_unknown})
    else:
        for p in found:
            told = "sent" if p.key in sent else "not sent now"
            text = f"{escape(p.contract or '—')}: {escape(p.text)} ({told})"
            out.print(f"[red]{p.kind}[/red] {text}")
        if not found:
            out.print("[green]no open problems[/green]")
        if gathered.runs_unknown is not None:
            out.print(
                f"[yellow]DAG runs not checked[/yellow]: {escape(gathered.runs_unknown)} "
                "(set the Airflow API address and a viewer login: docs/airflow.md)"
            )
    if found:
        raise typer.Exit(1)


def _runs(current: Settings) -> Fetch:
    """The Airflow REST client of the command line (the local stack's admin by default)."""
    from assay.devstack import airflow_client
    from assay.govern.runs import RunsUnknown

    def fetch(path: str) -> Any:
        try:
            return airflow_client.call(current, "GET", path)
        except AssayError as exc:
            raise RunsUnknown(str(exc), getattr(exc, "status", None)) from exc

    return fetch
