"""``assay ingest``: an operator's way out of a stalled partition, and of a loss to retention."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.cli._common import console, out, settings, user_errors

app = typer.Typer(
    help="Operator actions on ingest: skip a stuck range, acknowledge a loss.", no_args_is_help=True
)

ContractName = Annotated[str, typer.Argument(help="Contract name, e.g. energy_meter.")]
Partition = Annotated[int, typer.Option("--partition", "-p", min=0, help="Kafka partition.")]
By = Annotated[str, typer.Option("--by", help="Who does this (kept with the records).")]
Why = Annotated[str, typer.Option("--why", help="Why (kept with the records).")]


@app.command()
def skip(
    contract: ContractName,
    partition: Partition,
    start: Annotated[
        int, typer.Option("--from", min=0, help="First offset to skip: where the partition stalls.")
    ],
    end: Annotated[
        int,
        typer.Option(
            "--to", min=1, help="First offset NOT skipped (--from 5 --to 6 skips offset 5 only)."
        ),
    ],
    by: By,
    why: Why,
) -> None:
    """Dead-letter offsets FROM..TO of a stalled partition (reason skipped_by_operator, the
    records' bytes kept when Kafka still has them) and commit past them; the audit balances."""
    from assay.pipeline import problems
    from assay.pipeline.ingest.consumer import KafkaPartition, ingest_group
    from assay.pipeline.ingest.landing import Buckets
    from assay.pipeline.ingest.skip import skip_range
    from assay.store.objects import S3Store
    from schemas import topic_name

    with user_errors():
        current = settings("s3", "kafka")
        spec = current.contracts().get(contract)
        store = S3Store(current)
        buckets = Buckets.from_settings(current)  # landing writes seq runs to reports
        group = ingest_group(contract)
        with KafkaPartition(current, topic_name(spec), partition, group) as log:
            landed = skip_range(log, store, buckets, spec, start, end, by=by, why=why)
        problems.clear_stall(store, current.bucket_reports, spec, "ingest", partition)
    if landed.recovered:
        console.print(f"another ingest landed offsets {start}-{landed.end} first: nothing skipped")
        return
    out.print(
        f"partition {partition}: offsets {start}-{landed.end} ({landed.records} records) "
        f"dead-lettered as skipped_by_operator by {by}; committed {landed.end}"
    )


@app.command("acknowledge-loss")
def acknowledge_loss(
    contract: ContractName,
    partition: Partition,
    start: Annotated[int, typer.Option("--from", min=0, help="First lost offset, as listed.")],
    by: By,
    why: Why,
) -> None:
    """Record who accepts offsets lost to Kafka retention, and why: the audit then counts them
    as lost instead of failing (`assay status` lists the losses)."""
    from assay.pipeline import problems
    from assay.store.objects import S3Store

    with user_errors():
        current = settings("s3")
        spec, store = current.contracts().get(contract), S3Store(current)
        found = problems.losses(store, current.bucket_raw, spec, partition)
        match = [x for x in found if x.start == start]
        if not match or not by.strip() or not why.strip():
            listed = ", ".join(f"{x.start}-{x.end}" for x in found) or "none"
            console.print(
                f"[red]error:[/red] give --by, --why and --from one of the recorded losses "
                f"of partition {partition}: {listed}"
            )
            raise typer.Exit(2)
        done = problems.acknowledge_loss(store, current.bucket_raw, spec, match[0], by, why)
    out.print(
        f"partition {partition}: loss of offsets {done.start}-{done.end} ({done.offsets} records) "
        f"acknowledged by {by}"
    )
