"""``assay retention``: remove what the contracts say to keep no longer, and say what went."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from assay.cli._common import console, out, settings, user_errors

if TYPE_CHECKING:
    from assay.govern.retention import RetentionRun

app = typer.Typer(
    help="Retention: expire raw, dead-letter, quarantine, curated data and claim-checks.",
    no_args_is_help=True,
)


@app.command()
def apply(
    contract: Annotated[str | None, typer.Argument(help="Contract name; all when omitted.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would go; remove and change nothing.")
    ] = False,
) -> None:
    """Expire each contract's data older than its retention, as the pipeline role.

    A validated segment's raw, dead-letter and quarantine objects go once the raw object is
    retention.raw old, its curated objects at retention.curated, every version of each, and
    replaced object versions once replaced that long ago. Accepted rows' curated objects go
    with their segments' curated objects; claim-checks (claims/<contract>/ in the raw
    bucket) at retention.curated. Each removal is recorded in the
    partition's expiry ledger first, so `assay audit` still balances. Unvalidated data and
    releases are never touched. Topics' retention.ms: `assay topics ensure`.
    """
    from assay.govern.retention import run_retention
    from schemas import ContractError

    now = datetime.now(UTC)
    current = settings()
    try:
        registry = current.contracts()
        contracts = [registry.get(contract)] if contract else list(registry)
    except ContractError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from exc
    with user_errors():
        runs = [run_retention(current, c, now, dry_run=dry_run) for c in contracts]
    _report(runs, now, dry_run=dry_run)


def _report(runs: list[RetentionRun], now: datetime, *, dry_run: bool) -> None:
    """Per contract and layer what went; replaced versions; what waits for validation."""
    if not any(run.expired for run in runs):
        out.print(f"nothing past its retention on {now:%Y-%m-%d %H:%M} UTC")
    table = Table("contract", "layer", "segments", "objects", "readings")
    for run in runs:
        for layer, (segments, objects, readings) in run.layers().items():
            table.add_row(run.contract, layer, f"{segments:,}", f"{objects:,}", f"{readings:,}")
    if table.row_count:
        out.print(table)
    verb = "would remove" if dry_run else "removed"
    for run in runs:
        if run.noncurrent:
            total = sum(run.noncurrent.values())
            out.print(f"{run.contract}: {verb} {total:,} replaced object versions")
        if run.waiting:
            console.print(
                f"[yellow]{run.contract}: {len(run.waiting)} segments past retention are kept: "
                f"not validated yet[/yellow] (first {run.waiting[0]})"
            )
    if dry_run:
        out.print("[dim]dry run: nothing was removed or changed[/dim]")
