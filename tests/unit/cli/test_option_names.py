"""One name per option: ``--out`` writes a file or folder everywhere; the old names
(``--output``, ``--download``) still work and are no longer shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import typer
from typer.testing import CliRunner

from assay.cli.app import app

OLD = {"--output", "--download"}


def commands(group: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(group, click.Group):
        for name, sub in group.commands.items():
            yield from commands(sub, (*path, name))
    else:
        yield path


def test_no_command_shows_an_old_name_for_out() -> None:
    root = typer.main.get_command(app)
    for path in commands(root):
        command: click.Command = root
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        shown = {
            opt
            for p in command.params
            if isinstance(p, click.Option) and not p.hidden
            for opt in p.opts
        }
        assert not shown & OLD, path


def test_the_old_names_still_work(tmp_path: Path) -> None:
    for flag in ("--out", "-o", "--output"):
        target = tmp_path / f"{flag.strip('-')}.yaml"
        done = CliRunner().invoke(app, ["contracts", "export", "energy_meter", flag, str(target)])
        assert done.exit_code == 0, done.output
        assert target.read_text().startswith("apiVersion: v3.1.0")


#: Commands that list or describe things; each takes ``--json`` for scripts.
LISTINGS = [
    ("status",),
    ("audit",),
    ("stack", "status"),
    ("datasets", "ls"),
    ("datasets", "show"),
    ("quarantine", "show"),
    ("quarantine", "decisions"),
    ("release", "ls"),
    ("release", "show"),
    ("lineage", "show"),
]


def test_every_listing_command_takes_json() -> None:
    root = typer.main.get_command(app)
    missing = []
    for path in LISTINGS:
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        if not any("--json" in getattr(p, "opts", ()) for p in command.params):
            missing.append(path)
    assert missing == []
