"""``assay validate``: an operator's way past a segment that keeps failing validation."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.cli._common import out, settings, user_errors

app = typer.Typer(
    help="Operator actions on validation: skip a segment that keeps failing.",
    no_args_is_help=True,
)


@app.command()
def skip(
    contract: Annotated[str, typer.Argument(help="Contract name, e.g. energy_meter.")],
    partition: Annotated[int, typer.Option("--partition", "-p", min=0, help="Kafka partition.")],
    offset: Annotated[
        int,
        typer.Option("--offset", min=0, help="Start offset of the stalled segment, as listed."),
    ],
    by: Annotated[str, typer.Option("--by", help="Who does this (kept with the records).")],
    why: Annotated[str, typer.Option("--why", help="Why (kept with the records).")],
) -> None:
    """Dead-letter the readings of the segment validation is stuck on (reason
    skipped_by_operator, who and why kept) and go on with the next; the audit balances."""
    from assay.pipeline.validate.skip import skip_segment
    from assay.store.buckets import Buckets
    from assay.store.objects import S3Store

    with user_errors():
        current = settings()
        spec = current.contracts().get(contract)
        store, buckets = S3Store(current), Buckets.from_settings(current)
        done = skip_segment(store, buckets, spec, partition, offset, by=by, why=why)
    out.print(
        f"partition {partition}: segment {done.segment} ({done.skipped} readings) dead-lettered "
        f"as skipped_by_operator by {by}; validation goes on after it"
    )
