"""What every command shares: settings, the console, and turning our errors into exit codes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from assay.config import Settings, load_settings
from assay.errors import AssayError

console = Console(stderr=True)
out = Console()


#: ``--json`` of every listing command: one JSON document on standard output, nothing else.
Json = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of tables (for scripts).")
]


#: The old names of ``--out`` (one name per option), still accepted and not shown in help.
OldOutput = Annotated[Path | None, typer.Option("--output", hidden=True)]
OldDownload = Annotated[Path | None, typer.Option("--download", hidden=True)]


def print_json(data: Any) -> None:
    """``data`` as JSON on standard output: dataclasses as objects, paths and times as text."""
    typer.echo(json.dumps(data, default=_plain, ensure_ascii=False, indent=2))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    if isinstance(value, Path):
        return str(value)
    return str(value)


def settings() -> Settings:
    """The settings every command uses."""
    return load_settings()


def progress(message: str) -> None:
    """One line of progress on standard error."""
    console.print(f"[dim]·[/dim] {message}")


@contextmanager
def user_errors() -> Iterator[None]:
    """Print an `AssayError` as one clear message and exit 1, without a traceback."""
    try:
        yield
    except AssayError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from exc
