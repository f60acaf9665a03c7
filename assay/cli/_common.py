"""What every command shares: settings, the console, and turning our errors into exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from assay.config import Settings, load_settings
from assay.errors import AssayError

console = Console(stderr=True)
out = Console()


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
