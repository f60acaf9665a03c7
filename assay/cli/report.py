"""``assay report``: documents a steward attaches to a release."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assay.cli._common import OldOutput, out, progress, settings, user_errors
from assay.config import RELEASER

app = typer.Typer(help="Reports on releases (training readiness).", no_args_is_help=True)


@app.command()
def readiness(
    contract: Annotated[str, typer.Argument(help="Contract name, e.g. energy_meter.")],
    version: Annotated[str, typer.Argument(help="Release version X.Y.Z.")],
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Local folder; default <state_dir>/reports/<contract>-<version>."
        ),
    ] = None,
    output: OldOutput = None,
) -> None:
    """Render a release's bilingual training-readiness report (HTML, PDF, figures JSON).

    It names the enterprise, its sites and the responsible steward from the settings
    enterprise_name, enterprise_sites and data_steward (ASSAY_ENTERPRISE_NAME, ...).
    """
    output = out_path or output
    from assay.govern.lineage import events_file, read_events
    from assay.govern.readiness import Buckets, Organisation, build_report
    from assay.store.objects import S3Store

    with user_errors():
        current = settings("s3").as_role(RELEASER)
        folder = output or current.state_dir / "reports" / f"{contract}-{version}"
        buckets = Buckets.from_settings(current)
        org = Organisation(current.enterprise_name, current.data_steward, current.enterprise_sites)
        events = read_events(events_file(current))
        report = build_report(
            S3Store(current), buckets, contract, version, folder, current.endpoint, progress, org,
            events,
        )  # fmt: skip
    totals = report.figures["totals"]
    out.print(
        f"[green]readiness report[/green] {folder}/readiness.{{html,pdf,json}}, "
        f"provenance.jsonld and "
        f"s3://{report.bucket}/{report.prefix} — {totals['rows']:,} rows, "
        f"{totals['sites']} sites, {totals['devices']} devices"
    )
