"""``assay status``: what needs an operator — services, stalled partitions, retention loss."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from assay.cli._common import Json, console, out, print_json, settings, user_errors

if TYPE_CHECKING:
    from assay.config import Settings
    from assay.govern.health import Health


def status(as_json: Json = False) -> None:
    """Services, stalled partitions (contract, partition, offset, error, since) and data lost to
    Kafka retention, with the command that fixes each; exit 1 if anything needs an operator."""
    from assay.devstack import stack
    from assay.devstack.stack._stack import stack_file

    with user_errors():
        current = settings()
        down = []
        if stack_file(current).exists():  # a local stack: its services too
            down = [s.name for s in stack.status(current) if not s.healthy]
        health = _health(current)
    if as_json:
        print_json({"ok": not down and health.ok, "services_down": down, **asdict(health)})
        if down or not health.ok:
            raise typer.Exit(1)
        return
    for name in down:
        console.print(f"[red]service down[/red] {name}: `assay stack up` starts it")
    _show(health)
    if down or not health.ok:
        raise typer.Exit(1)
    out.print("[green]nothing needs an operator[/green]")


def _health(current: Settings) -> Health:
    from assay.govern.health import run_health

    return run_health(current, current.contracts())


def _show(health: Health) -> None:
    for problem in health.unreachable:
        console.print(f"[red]unreachable[/red] {problem}")
    if health.stalls:
        table = Table("contract", "stage", "partition", "offset", "since", "attempts", "error")
        for s in health.stalls:
            table.add_row(
                s.contract, s.stage, str(s.partition), str(s.offset), s.since,
                str(s.attempts), s.error[:160],
            )  # fmt: skip
        out.print("[bold red]stalled partitions[/bold red]", table)
        out.print(
            "  a stall clears itself once the partition moves on; if it will not, "
            "`assay ingest skip CONTRACT --partition P --from OFFSET --to END --by NAME "
            "--why TEXT` dead-letters the range and goes on (an ingest stall), and "
            "`assay validate skip CONTRACT --partition P --offset OFFSET --by NAME --why TEXT` "
            "dead-letters the segment's readings and goes on (a validate stall)"
        )
    if health.losses or health.expired:
        table = Table("contract", "partition", "offsets", "records", "detected", "acknowledged")
        for x in health.losses:
            ack = (
                f"{x.acknowledged_by}: {x.acknowledged_why}" if x.acknowledged else "[red]no[/red]"
            )
            table.add_row(
                x.contract, str(x.partition), f"{x.start}-{x.end}", str(x.offsets), x.detected, ack
            )
        for e in health.expired:
            row = (e.contract, str(e.partition), f"{e.start}-{e.end}", str(e.end - e.start))
            table.add_row(*row, "not yet (next ingest records it)", "[red]no[/red]")
        out.print("[bold red]lost to Kafka retention before landing[/bold red]", table)
    if health.expired or any(not x.acknowledged for x in health.losses):
        out.print(
            "  `assay ingest acknowledge-loss CONTRACT --partition P --from OFFSET --by NAME "
            "--why TEXT` records who accepts a loss; the audit fails until then"
        )
