"""The spool's SQLite boundary: opening the database, and SQLite's errors as ``SpoolError``.

Every ``sqlite3.Error`` the spool meets is translated here, once, with SQLite's error name as
``code``. A full disk (``SQLITE_FULL``), an I/O error (``SQLITE_IOERR*``), another process's
lock (``SQLITE_BUSY``, ``SQLITE_LOCKED``) and a lack of memory are transient: the caller keeps
what it was writing and retries. Anything else (a missing table, a malformed database) is
terminal: retrying the same statement cannot help.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TypeVar

from producers.errors import SpoolError

__all__ = ["Durability", "connect", "read_only", "translate", "translated"]

Durability = Literal["full", "normal"]
_T = TypeVar("_T")
_TRANSIENT = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_NOMEM")


def translate(path: Path | str, action: str, exc: sqlite3.Error) -> SpoolError:
    """``exc`` as a ``SpoolError`` (``<action>: <exc>``), with SQLite's code and transience."""
    code = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    return SpoolError(path, f"{action}: {exc}", code=code, transient=code.startswith(_TRANSIENT))


@contextmanager
def translated(path: Path | str, action: str) -> Iterator[None]:
    """Raise any ``sqlite3.Error`` of the block as ``SpoolError`` (see ``translate``)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise translate(path, action, exc) from exc


def connect(path: Path, durability: Durability, schema: str) -> sqlite3.Connection:
    """Open (or create) the spool database in WAL mode with ``schema``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level="DEFERRED")
        # New files only (an existing file keeps its size): a 1.4 MB frame spans 21 pages of
        # 64 KiB instead of 340 of 4 KiB, which made append + ack ~35% cheaper per reading.
        db.execute("PRAGMA page_size=65536")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={durability.upper()}")
        db.executescript(schema)
    except OSError as exc:
        raise SpoolError(path, f"cannot open: {exc}") from exc
    except sqlite3.Error as exc:
        raise translate(path, "cannot open", exc) from exc
    return db


def read_only(path: Path | str, read: Callable[[sqlite3.Connection], _T]) -> _T:
    """``read`` on the spool file opened read-only: safe while ``assay-edge run`` writes it."""
    if not Path(path).is_file():
        raise SpoolError(path, "no spool file here (has `assay-edge run` started once?)")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        with translated(path, "cannot read"):
            return read(db)
    finally:
        db.close()
