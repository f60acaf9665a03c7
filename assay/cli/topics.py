"""``assay topics``: the Kafka topics the contracts need."""

from __future__ import annotations

import typer
from rich.table import Table

from assay.cli._common import out, settings, user_errors

app = typer.Typer(help="Kafka topics: one per contract major version.", no_args_is_help=True)


@app.command()
def ensure() -> None:
    """Create every contract's topic (shipped and site) with its partition count (idempotent)."""
    from assay.devstack.topics import ensure_topics

    with user_errors():
        states = ensure_topics(current := settings("kafka"), current.contracts())
    table = Table("topic", "state")
    for topic, state in states.items():
        table.add_row(topic, state)
    out.print(table)
