"""``assay lineage``: the OpenLineage events assay wrote, as a graph."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.cli._common import Json, console, out, print_json, settings, user_errors

app = typer.Typer(
    help="Lineage: topic -> raw -> curated/quarantine -> release.", no_args_is_help=True
)


@app.command()
def show(
    contract: Annotated[
        str | None, typer.Option("--contract", "-c", help="Only this contract's jobs.")
    ] = None,
    as_json: Json = False,
) -> None:
    """The lineage graph from the stored events (<state>/lineage/events.jsonl)."""
    from assay.govern.lineage import events_file, lineage_edges, read_events, render

    with user_errors():
        path = events_file(settings())
        edges = lineage_edges(read_events(path), contract)
        lines = render(edges)
    if as_json:
        print_json(edges)
        return
    if not lines:
        console.print(f"no lineage events{f' for {contract}' if contract else ''} in {path}")
        raise typer.Exit(1)
    for line in lines:
        out.print(line, highlight=False)
