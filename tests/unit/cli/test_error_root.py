"""One error root: every package's errors are AssayErrors, and the command never shows a trace."""

from __future__ import annotations

import sys

import pytest
import typer
from hypothesis import example, given
from hypothesis import strategies as st

from assay.cli import app
from assay.errors import AssayError
from producers.errors import EdgeError
from producers.simulator import SimulatorError
from schemas import ContractError
from validators import ValidatorError


@pytest.mark.parametrize("root", [ContractError, EdgeError, SimulatorError, ValidatorError])
def test_every_package_root_is_an_assay_error(root: type[Exception]) -> None:
    assert issubclass(root, AssayError)


def test_an_unknown_contract_is_one_line_and_exit_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["assay", "datasets", "show", "no_such_contract"])
    with pytest.raises(SystemExit) as exit_:
        app.run()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "no_such_contract" in err
    assert "Traceback" not in err


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    from typer.testing import CliRunner

    result = CliRunner().invoke(app.app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"assay {version('assay')}"


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=60))
@example("[bold]gw-1[/bold]")
@example("gw[/nope]")
@example("ends in a backslash \\")
@example("[link=http://x]gw[/link]")
def test_an_error_quoting_anything_prints_it_as_text(quoted: str) -> None:
    """An error's text may quote a producer id or a value: rich markup in it is shown, not
    applied, and never breaks the message."""
    from io import StringIO

    from rich.console import Console

    from assay.cli import _common

    buffer = StringIO()
    saved, _common.console = _common.console, Console(file=buffer, width=10_000, color_system=None)
    try:
        with pytest.raises(typer.Exit), _common.user_errors():
            raise AssayError(f"refused: {quoted}")
    finally:
        _common.console = saved
    assert buffer.getvalue().rstrip() == f"error: refused: {quoted}".rstrip()
