"""Verify a release: every checksum, size and row count recomputed from the stored bytes.

On a versioned store the bytes read are the *released* versions pinned in ``lock.json``;
keys whose current version is another one (overwritten, or deleted with a marker) are
reported as ``shadowed``: the release is intact, but a reader by plain path would not
see it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

import pyarrow.parquet as pq

from assay.govern.releases import _manifest
from assay.govern.releases._lock import LockingStore, read_released, release_pins
from assay.govern.releases._manifest import read_manifest
from assay.govern.releases._release import release_prefix
from assay.store.objects import ObjectStore

ProblemKind = Literal["missing", "sha256", "size", "rows", "unreadable"]


@dataclass(frozen=True)
class Problem:
    """One file that does not match its manifest entry."""

    path: str
    kind: ProblemKind
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.path}: {self.kind} expected {self.expected}, found {self.found}"


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying one release."""

    contract: str
    version: str
    checked: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    shadowed: list[str] = field(default_factory=list)
    pinned: bool = False

    @property
    def ok(self) -> bool:
        """Every released file is there with its recorded checksum, size and rows."""
        return not self.problems

    @property
    def intact(self) -> bool:
        """`ok`, and what a plain read of each path returns is the released version."""
        return self.ok and not self.shadowed


def verify_release(store: ObjectStore, bucket: str, contract: str, version: str) -> Verification:
    """Recompute every checksum and row count of a release."""
    prefix = release_prefix(contract, version)
    manifest = read_manifest(store, bucket, contract, version)
    pins = release_pins(store, bucket, prefix)
    result = Verification(contract, version, pinned=bool(pins))
    for entry in _manifest.checked_files(manifest):
        result.checked.append(entry.path)
        data = read_released(store, bucket, prefix + entry.path, pins.get(entry.path))
        result.problems.extend(check_file(entry, data))
    result.shadowed.extend(_shadowed(store, bucket, prefix, pins))
    return result


def check_file(entry: _manifest.FileEntry, data: bytes | None) -> list[Problem]:
    """What is wrong with one file's bytes, against its manifest entry."""
    if data is None:
        return [Problem(entry.path, "missing", entry.sha256, "nothing")]
    problems = []
    if len(data) != entry.size:
        problems.append(Problem(entry.path, "size", str(entry.size), str(len(data))))
    digest = _manifest.sha256(data)
    if digest != entry.sha256:
        problems.append(Problem(entry.path, "sha256", entry.sha256, digest))
    if entry.rows is not None:
        problems.extend(_check_rows(entry, data))
    return problems


def _check_rows(entry: _manifest.FileEntry, data: bytes) -> list[Problem]:
    try:
        rows = pq.read_metadata(io.BytesIO(data)).num_rows
    except Exception as exc:  # pyarrow raises several types for a broken footer
        return [Problem(entry.path, "unreadable", "Parquet", type(exc).__name__)]
    return [] if rows == entry.rows else [Problem(entry.path, "rows", str(entry.rows), str(rows))]


def _shadowed(store: ObjectStore, bucket: str, prefix: str, pins: dict[str, str]) -> list[str]:
    if not isinstance(store, LockingStore):
        return []
    return [
        path
        for path, vid in sorted(pins.items())
        if store.current_version(bucket, prefix + path) != vid
    ]


def verify_shadowing(store: ObjectStore, bucket: str, contract: str, version: str) -> list[str]:
    """Paths of a release whose current object is not the released version (cheap: HEADs)."""
    prefix = release_prefix(contract, version)
    return _shadowed(store, bucket, prefix, release_pins(store, bucket, prefix))
