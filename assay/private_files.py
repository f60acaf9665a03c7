"""Files only their owner may read, written so that a crash or a race never leaves half of one.

`write_private` is a small transaction:

1. the bytes go to a fresh temporary file beside the target, created 0600 in one call
   (never readable by anyone else, not even for a moment);
2. the temporary file is flushed and fsynced: its bytes are on disk before its name is;
3. it gets the target's name — with ``exclusive`` by ``link``, which fails if the target
   exists (so of two writers racing to create a key, exactly one wins and the other reads
   the winner's), otherwise by ``rename``, which replaces the target atomically;
4. the folder is fsynced, so the new name survives a power cut.

A crash before 3 leaves at most a stray temporary file, never a target: a reader sees
either no file or the whole of one, never an empty or half-written one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> bool:
    """Write ``data`` to ``path`` (mode 0600); with ``exclusive``, False if it existed."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        return _publish(tmp, path, exclusive=exclusive)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _publish(tmp: Path, path: Path, *, exclusive: bool) -> bool:
    if exclusive:
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    else:
        os.replace(tmp, path)
    _fsync_dir(path.parent)
    return True


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's bytes; if there is none, what ``make`` returns is written first (exclusively:
    of two processes racing here, both read the one file that won)."""
    if not path.is_file():
        write_private(path, make(), exclusive=True)
    return path.read_bytes()
