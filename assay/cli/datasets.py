"""``assay datasets``, ``quarantine``, ``audit``: what landed, what failed, and the proof."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from assay.cli._common import (
    Json,
    console,
    out,
    pick_text,
    print_json,
    settings,
    user_errors,
)

if TYPE_CHECKING:
    from schemas import Contract

app = typer.Typer(help="The governed store: what landed for each contract.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Quarantined rows and why they failed.", no_args_is_help=True)

ContractName = Annotated[str, typer.Argument(help="Contract name, e.g. energy_meter.")]


def _contract(name: str) -> Contract:
    return settings().contracts().get(name)


@app.command("ls")
def list_datasets(as_json: Json = False) -> None:
    """Every contract with its objects and rows per layer."""
    from assay.store.catalog import layers
    from assay.store.objects import S3Store

    with user_errors():
        current = settings("s3")
        store = S3Store(current)
        if as_json:
            print_json(
                [
                    {"contract": c.name, "version": c.version, "layers": layers(store, current, c)}
                    for c in current.contracts()
                ]
            )
            return
        table = Table(
            "contract",
            "version",
            "raw",
            "dead letters",
            "curated",
            "quarantine",
            caption="rows (objects)",
        )
        for contract in current.contracts():
            found = {x.name: x for x in layers(store, current, contract)}
            cells = [
                f"{found[n].rows:,} rows / {found[n].objects} obj"
                for n in ("raw", "dead letters", "curated", "quarantine")
            ]
            table.add_row(contract.name, contract.version, *cells)
    out.print(table)


@app.command()
def show(contract: ContractName, as_json: Json = False) -> None:
    """One contract: each layer's bucket, objects and rows."""
    from assay.store import layout
    from assay.store.catalog import layers
    from assay.store.objects import S3Store

    with user_errors():
        spec = _contract(contract)  # an unknown name is said before any service is asked
        current = settings("s3")
        if as_json:
            print_json(layers(S3Store(current), current, spec))
            return
        table = Table("layer", "location", "objects", "rows")
        for layer in layers(S3Store(current), current, spec):
            table.add_row(
                layer.name,
                f"s3://{layer.bucket}/{layout.dataset_prefix(spec.name, spec.major)}",
                str(layer.objects),
                f"{layer.rows:,}",
            )
    out.print(table)


@quarantine_app.command("show")
def quarantine_show(
    contract: ContractName,
    rule: Annotated[
        str | None, typer.Option(help="Only rows that failed this rule id, e.g. range:voltage_l1.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 20,
    as_json: Json = False,
) -> None:
    """Quarantined rows with the rules they failed and why."""
    from assay.govern.quarantine import quarantined_rows
    from assay.store.objects import S3Store

    with user_errors():
        spec = _contract(contract)
        current = settings("s3")
        rows, counts = quarantined_rows(S3Store(current), current, spec, rule, limit)
    if as_json:
        print_json({"counts": dict(counts.most_common()), "rows": rows})
        return
    summary = Table("rule", "rows")
    for rule_id, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        summary.add_row(rule_id, f"{count:,}")
    out.print(summary)
    for row in rows:
        out.print(
            f"[bold]{row['device_id']}[/bold] {row['event_time']} seq={row['seq']} "
            f"→ {', '.join(row['failed_rules'])}: {pick_text(row['reason'])}"
        )


def audit(
    contract: Annotated[str | None, typer.Argument(help="Contract name; all when omitted.")] = None,
    as_json: Json = False,
) -> None:
    """Prove produced = curated + quarantined + dead-lettered + duplicates; exit 1 if not.

    Rows a steward accepted count as curated (the ``accepted`` column says how many)."""
    from assay.govern.audit import run_audit

    with user_errors():
        specs = [_contract(contract)] if contract else list(settings().contracts())
        current = settings("s3", "kafka")
        results = [run_audit(current, spec) for spec in specs]
    if as_json:
        print_json([{**asdict(r), "totals": r.totals, "balanced": r.balanced} for r in results])
        if not all(r.balanced for r in results):
            raise typer.Exit(1)
        return
    table = Table(
        "contract",
        "produced",
        "curated",
        "quarantined",
        "dead-lettered",
        "duplicates",
        "accepted",
        "awaiting validation",
        "not landed (records)",
        "lost (records)",
        "raw expired",
        "balanced",
    )
    for result in results:
        t = result.totals
        table.add_row(
            result.contract,
            *(
                f"{v:,}"
                for v in (
                    t.produced,
                    t.curated,
                    t.quarantined,
                    t.dead_lettered,
                    t.duplicates,
                    t.accepted,
                    t.awaiting_validation,
                    t.not_landed_records,
                    t.lost_records,
                    t.expired,
                )
            ),
            "[green]yes[/green]" if result.balanced else "[red]NO[/red]",
        )
    out.print(table)
    for r in results:
        for partition in sorted(r.expired_ranges):
            spans = ", ".join(f"[{a}, {b})" for a, b in r.expired_spans(partition))
            out.print(f"{r.contract} partition {partition}: raw expired at offsets {spans}")
    problems = [f"{r.contract}: {p}" for r in results for p in r.problems]
    for problem in problems:
        console.print(f"[red]discrepancy[/red] {problem}")
    if problems:
        raise typer.Exit(1)
