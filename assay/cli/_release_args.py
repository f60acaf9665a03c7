"""What the ``assay release`` commands share: their role and their arguments."""

from __future__ import annotations

from typing import Annotated

import typer

from assay.cli._common import settings as all_settings
from assay.cli._preflight import Service
from assay.config import RELEASER, Settings


def settings(*needs: Service) -> Settings:
    """Release commands read curated data and write and read releases: the releaser role."""
    return all_settings(*needs).as_role(RELEASER)


ContractName = Annotated[str, typer.Argument(help="Contract name, e.g. energy_meter.")]
Version = Annotated[str, typer.Argument(help="Release version X.Y.Z.")]


As = Annotated[
    str | None,
    typer.Option("--as", help="Who acts (default: steward_name setting, else the login name)."),
]
