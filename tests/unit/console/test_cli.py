"""``assay console user add``: a user with a role, its password never stored in clear."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from assay.cli.app import app
from assay.console._users import authenticate


def test_user_add_stores_a_hashed_user_with_its_role(tmp_path: Path) -> None:
    args = ["--state-dir", str(tmp_path), "console", "user", "add", "stella", "--role", "steward"]
    done = CliRunner().invoke(app, args, env={"ASSAY_CONSOLE_PASSWORD": "long enough secret"})
    assert done.exit_code == 0, done.output
    user = authenticate(tmp_path, "stella", "long enough secret")
    assert user is not None and user.role == "steward"


def test_a_bad_role_is_one_line_and_exit_1(tmp_path: Path) -> None:
    args = ["--state-dir", str(tmp_path), "console", "user", "add", "x", "--role", "root"]
    done = CliRunner().invoke(app, args, env={"ASSAY_CONSOLE_PASSWORD": "long enough secret"})
    assert done.exit_code == 1 and "Traceback" not in done.output
