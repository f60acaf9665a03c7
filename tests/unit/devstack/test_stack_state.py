"""The stack's state folder: private, ports in stack.toml, root keys beside the roles'."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.config import ROOT, Settings, load_settings, role_keys_file
from assay.devstack.stack import _stack


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for key in list(os.environ):
        if key.startswith("ASSAY_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ASSAY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    umask = os.umask(0o022)
    yield
    os.umask(umask)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_folder_and_everything_made_after_are_private(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    state.chmod(0o755)
    _stack.make_private(Settings(state_dir=state))
    assert mode(state) == 0o700
    (state / "later.log").write_text("x")  # what a service writes inherits the umask
    (state / "sub").mkdir()
    assert (mode(state / "later.log"), mode(state / "sub")) == (0o600, 0o700)


def test_stack_file_holds_ports_and_root_keys_are_kept_apart(tmp_path: Path) -> None:
    settings = load_settings(s3_port=17070)
    again = _stack.write_stack_file(settings)
    text = (tmp_path / "state" / "stack.toml").read_text()
    assert "s3_port = 17070" in text and "secret" not in text
    root = role_keys_file(tmp_path / "state", ROOT)
    assert mode(root) == 0o600
    assert again.s3_access_key == "" and again.s3_credentials(ROOT)[0] == "assay-root"
    first = root.read_text()
    _stack.write_stack_file(again)
    assert root.read_text() == first  # generated once


def test_root_keys_of_an_older_stack_file_move_to_the_access_folder(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "stack.toml").write_text('s3_access_key = "old"\ns3_secret_key = "old-secret"\n')
    settings = _stack.write_stack_file(load_settings())
    assert "old-secret" not in (state / "stack.toml").read_text()
    assert settings.s3_access_key == ""
    assert settings.s3_credentials(ROOT) == ("old", "old-secret")


def test_shell_exports_carry_no_s3_keys(tmp_path: Path) -> None:
    settings = _stack.write_stack_file(load_settings())
    exported = _stack.exports(settings)
    assert "ASSAY_S3_ACCESS_KEY" not in exported and "ASSAY_S3_SECRET_KEY" not in exported
    assert exported["ASSAY_S3_ENDPOINT"] == settings.endpoint
