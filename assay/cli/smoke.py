"""``assay smoke``: prove the stack works end to end with a few readings."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.cli._common import out, progress, settings, user_errors


def smoke(
    count: Annotated[int, typer.Option(min=1, help="How many readings to send.")] = 100,
) -> None:
    """Send a few readings through Kafka, land them as Parquet on S3, print where."""
    from assay.devstack import smoke as flow

    with user_errors():
        progress(f"producing {count} readings to {flow.TOPIC}")
        result = flow.run(settings(), count)
    out.print(
        f"landed {result.landed} readings (offsets {result.first_offset}-"
        f"{result.last_offset}) at {result.uri}"
    )
