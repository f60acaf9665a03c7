"""What every command shares: settings, the console, and turning our errors into exit codes."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.text import Text

from assay.cli._preflight import Service, preflight
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


Lang = Literal["zh", "en"]
_lang: list[Lang] = []


def default_lang() -> Lang:
    """``zh`` when the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``) is Chinese, else ``en``."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name):
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_lang(lang: Lang | None) -> None:
    """The language of this command's bilingual texts (``--lang``; default from the locale)."""
    _lang[:] = [lang or default_lang()]


def lang() -> Lang:
    """The language chosen for this command."""
    return _lang[0] if _lang else default_lang()


def pick(zh: str, en: str) -> str:
    """One of a bilingual pair, in the chosen language."""
    return zh if lang() == "zh" else en


def pick_text(bilingual: str) -> str:
    """One half of a stored ``中文 / English`` text (a report's reason), in the chosen language."""
    zh, sep, en = bilingual.partition(" / ")
    return (zh if lang() == "zh" else en) if sep else bilingual


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


def quiet_third_party_logs() -> None:
    """Client libraries' own log lines (librdkafka's connection retries) are not printed: the
    command reports the error that matters once, in its own words."""
    for name in ("assay.librdkafka", "kafka", "urllib3"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


def settings(*needs: Service) -> Settings:
    """The settings every command uses; ``needs`` names the services the command talks to,
    checked first (`preflight`): one that does not answer stops the command in a second."""
    current = load_settings()
    preflight(current, *needs)
    return current


def progress(message: str) -> None:
    """One line of progress on standard error."""
    console.print(f"[dim]·[/dim] {message}")


@contextmanager
def user_errors() -> Iterator[None]:
    """Print an `AssayError` as one clear message and exit 1, without a traceback. Its text
    is printed as text: it may quote a producer id, a file name or a value (``[/x]`` there
    would otherwise be rich markup, or break it)."""
    try:
        yield
    except AssayError as exc:
        console.print(Text.assemble(("error:", "bold red"), " ", str(exc)))
        raise typer.Exit(1) from exc
