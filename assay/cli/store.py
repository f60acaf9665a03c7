"""``assay store``: upkeep of the object store itself."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from assay.cli._common import out, progress, settings, user_errors

if TYPE_CHECKING:
    from assay.store.layout import Segment
    from assay.store.migration import Move

app = typer.Typer(help="Upkeep of the object store.", no_args_is_help=True)


@app.command()
def migrate(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be renamed; change nothing.")
    ] = False,
) -> None:
    """Rename objects named before the current names (<topic>+<p>+<offset>) to them.

    Raw, dead-letter, curated, quarantine, report and watermark objects get names that
    DuckDB, Hive, Athena and Spark read; releases keep theirs. Pause the pipeline first.
    """
    from assay.store import migration
    from assay.store.objects import S3Store

    def moved(seg: Segment, moves: list[Move]) -> None:
        progress(f"{seg.renamed().stem}: {len(moves)} objects renamed")

    with user_errors():
        current = settings("s3")
        store = S3Store(current)
        if dry_run:
            found = migration.plan(store, current.buckets)
        else:
            found = migration.migrate(store, current.buckets, moved)
    _report(found, dry_run)


def _report(found: dict[Segment, list[Move]], dry_run: bool) -> None:
    counts = Counter(m.bucket for moves in found.values() for m in moves)
    table = Table("bucket", "objects", title="to rename" if dry_run else "renamed")
    for bucket, n in sorted(counts.items()):
        table.add_row(bucket, f"{n:,}")
    out.print(table)
    for moves in list(found.values())[:3] if dry_run else ():
        for move in moves:
            out.print(f"{move.bucket}: {move.old} -> {move.new}")
    out.print(f"{len(found):,} segments {'to rename' if dry_run else 'renamed'}")
