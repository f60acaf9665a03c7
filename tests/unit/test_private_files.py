"""Private files: whole or absent, 0600, and one winner when two create at once."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.private_files import read_or_create, write_private


def test_written_private_and_whole(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "secret"
    assert write_private(path, b"one")
    assert path.read_bytes() == b"one"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert write_private(path, b"two") and path.read_bytes() == b"two"
    assert os.listdir(path.parent) == ["secret"]  # no temporary file left behind


def test_exclusive_keeps_what_is_there(tmp_path: Path) -> None:
    path = tmp_path / "key"
    assert write_private(path, b"first", exclusive=True)
    assert not write_private(path, b"second", exclusive=True)
    assert path.read_bytes() == b"first"


def test_racing_creators_all_read_the_winner(tmp_path: Path) -> None:
    path = tmp_path / "key"
    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda n: read_or_create(path, lambda: os.urandom(32)), range(32)))
    assert len(found) == 1 and len(found.pop()) == 32


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=256))
def test_any_bytes_round_trip(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f"
        write_private(path, data)
        assert path.read_bytes() == data
