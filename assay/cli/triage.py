"""``assay quarantine decide / decisions / apply``: a steward's verdict on quarantined rows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import typer
from rich.table import Table

from assay.cli._common import Json, out, print_json, settings, user_errors


def register(quarantine: typer.Typer) -> None:
    """Add the triage commands to ``assay quarantine``."""
    quarantine.command("decide")(decide)
    quarantine.command("decisions")(list_decisions)
    quarantine.command("apply")(apply)


Time = Annotated[
    datetime | None,
    typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"], help="Event time (UTC)."),
]


def decide(
    verdict: Annotated[
        Literal["accept", "reject"],
        typer.Argument(help="accept (a false positive: the rows join curated) or reject."),
    ],
    contract: Annotated[str, typer.Option(help="Contract name, e.g. energy_meter.")],
    reason: Annotated[str, typer.Option(help="Why (required; kept with the decision).")] = "",
    rule: Annotated[str | None, typer.Option(help="Rows that failed this rule id.")] = None,
    dimension: Annotated[str | None, typer.Option(help="… a rule of this dimension.")] = None,
    site: Annotated[str | None, typer.Option(help="Rows of this site.")] = None,
    device: Annotated[str | None, typer.Option(help="Rows of this device.")] = None,
    since: Time = None,
    until: Time = None,
    raw_object: Annotated[str | None, typer.Option(help="Rows of this raw object.")] = None,
    offset: Annotated[int | None, typer.Option(help="The row at this Kafka offset.")] = None,
    as_: Annotated[str | None, typer.Option("--as", help="Who decides (see docs).")] = None,
) -> None:
    """Accept or reject every undecided quarantined row the filters select, with a reason."""
    from assay.govern.roles import actor_from
    from assay.govern.triage import RowFilter
    from assay.govern.triage import decide as record
    from assay.store.buckets import Buckets
    from assay.store.objects import S3Store

    rows = RowFilter(rule, dimension, site, device, _utc(since), _utc(until), raw_object, offset)
    with user_errors():
        current = settings()
        spec = current.contracts().get(contract)
        actor = actor_from(current, as_)
        store, buckets = S3Store(current), Buckets.from_settings(current)
        decision = record(store, buckets, spec, verdict, rows, reason, actor)
    moved = f", {len(decision.curated)} curated objects" if decision.curated else ""
    out.print(
        f"[green]{verdict}ed[/green] {len(decision.rows):,} rows by {actor.name} "
        f"(decision {decision.id}{moved})"
    )


def list_decisions(
    contract: Annotated[str, typer.Argument(help="Contract name.")],
    as_json: Json = False,
) -> None:
    """Every decision on a contract's quarantined rows: who, when, what, why."""
    from assay.govern.triage import decisions
    from assay.store.objects import S3Store

    with user_errors():
        current = settings()
        spec = current.contracts().get(contract)
        found = decisions(S3Store(current), current.bucket_quarantine, spec)
    if as_json:
        print_json([d.to_dict() for d in found])
        return
    table = Table("decision", "verdict", "rows", "by", "at", "reason")
    for d in found:
        table.add_row(d.id, d.verdict, f"{len(d.rows):,}", d.by, d.at, d.reason)
    out.print(table)


def apply(contract: Annotated[str, typer.Argument(help="Contract name.")]) -> None:
    """Write accepted rows' curated objects a crashed decision left missing (idempotent)."""
    from assay.govern.triage import decisions, materialize
    from assay.store.buckets import Buckets
    from assay.store.objects import S3Store

    with user_errors():
        current = settings()
        spec, store = current.contracts().get(contract), S3Store(current)
        buckets = Buckets.from_settings(current)
        written = [
            key
            for d in decisions(store, current.bucket_quarantine, spec)
            for key in materialize(store, buckets, spec, d)
        ]
    out.print(f"[green]ok[/green] {len(written)} curated objects written")


def _utc(moment: datetime | None) -> datetime | None:
    from datetime import UTC

    return None if moment is None else moment.replace(tzinfo=moment.tzinfo or UTC)
