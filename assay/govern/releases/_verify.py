"""Verify a release: every checksum, size and row count recomputed from the stored bytes.

On a versioned store the trust anchor is the OLDEST version of ``lock.json``, written once
at creation under retention: the manifest is read at the version it pins and checked
against the sha256 it records, and every file at its pinned version against the
manifest. Whoever can write the bucket may stack new versions on any key (a forged lock,
manifest and data included) but cannot remove or alter the oldest: such keys are
reported as ``shadowed``, the release still verifies, and a reader by plain path would
get the forgery, so `Verification.intact` is false. The key is never needed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pyarrow.parquet as pq

from assay.govern.releases import _manifest
from assay.govern.releases._errors import ReleaseNotFound
from assay.govern.releases._lock import LOCK, LockingStore, Pins, read_released, release_pins
from assay.govern.releases._status import withdrawal
from assay.store.layout import release_prefix
from assay.store.objects import ObjectStore

ProblemKind = Literal["missing", "sha256", "size", "rows", "unreadable", "approval", "ledger"]
#: Where a ledger problem is reported: the manifest's ``ledger`` key.
LEDGER = "manifest.json#ledger"


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
    #: The withdraw marker when the release was withdrawn: it still verifies, with a warning.
    withdrawal: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """Every released file is there with its recorded checksum, size and rows."""
        return not self.problems

    @property
    def intact(self) -> bool:
        """`ok`, and what a plain read of each path returns is the released version."""
        return self.ok and not self.shadowed

    @property
    def tampered(self) -> bool:
        """Something was written over the release since: a newer lock, manifest or file."""
        return bool(self.shadowed)


def verify_release(store: ObjectStore, bucket: str, contract: str, version: str) -> Verification:
    """Recompute every checksum and row count of a release, against its oldest lock."""
    prefix = release_prefix(contract, version)
    pins = release_pins(store, bucket, prefix)
    result = Verification(contract, version, pinned=bool(pins.versions))
    pinned = pins.versions.get(_manifest.MANIFEST)
    raw = read_released(store, bucket, prefix + _manifest.MANIFEST, pinned)
    if raw is None:
        raise ReleaseNotFound(contract, version, bucket)
    result.problems.extend(_check_anchor(store, pins, raw))
    result.problems.extend(check_approval(_manifest.loads(raw)))
    if not result.problems:
        for entry in _manifest.checked_files(_manifest.loads(raw)):
            result.checked.append(entry.path)
            data = read_released(store, bucket, prefix + entry.path, pins.versions.get(entry.path))
            result.problems.extend(check_file(entry, data))
        result.problems.extend(check_ledger(_manifest.loads(raw)))
    result.shadowed.extend(_shadowed(store, bucket, prefix, pins))
    return replace(result, withdrawal=withdrawal(store, bucket, contract, version))


def check_approval(manifest: dict[str, Any]) -> list[Problem]:
    """An approved manifest is the requested one plus ``approval``: the draft manifest's
    sha256, recorded when the release was requested, must still come out of it."""
    approval = manifest.get("approval")
    if approval is None:  # released before approvals existed
        return []
    draft = {k: v for k, v in manifest.items() if k != "approval"}
    digest = _manifest.sha256(_manifest.dumps(draft))
    if digest == approval.get("draft_manifest_sha256"):
        return []
    expected = str(approval.get("draft_manifest_sha256"))
    return [Problem(_manifest.MANIFEST, "approval", expected, digest)]


def check_ledger(manifest: dict[str, Any]) -> list[Problem]:
    """The ledger recomputed from its own figures and the rows the manifest lists (each file's
    rows checked against its bytes beside this): its sha256, its gaps, their acceptance."""
    ledger = manifest.get("ledger")
    if ledger is None:  # released before ledgers
        return []
    from assay.govern.ledger import check

    rows = sum(entry.rows or 0 for entry in _manifest.data_files(manifest))
    return [Problem(LEDGER, "ledger", "reconciled", found) for found in check(ledger, rows)]


def _check_anchor(store: ObjectStore, pins: Pins, manifest: bytes) -> list[Problem]:
    """A versioned release needs its lock, and the manifest the lock recorded."""
    if isinstance(store, LockingStore) and pins.lock_version is None:
        return [Problem(LOCK, "missing", "the lock written at creation", "nothing")]
    digest = _manifest.sha256(manifest)
    if pins.manifest_sha256 not in (None, digest):
        return [Problem(_manifest.MANIFEST, "sha256", pins.manifest_sha256 or "", digest)]
    return []


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


def _shadowed(store: ObjectStore, bucket: str, prefix: str, pins: Pins) -> list[str]:
    if not isinstance(store, LockingStore) or pins.lock_version is None:
        return []
    released = {**pins.versions, LOCK: pins.lock_version}
    return [
        path
        for path, vid in sorted(released.items())
        if store.current_version(bucket, prefix + path) != vid
    ]


def verify_shadowing(store: ObjectStore, bucket: str, contract: str, version: str) -> list[str]:
    """Paths of a release whose current object is not the released version (cheap: HEADs)."""
    prefix = release_prefix(contract, version)
    return _shadowed(store, bucket, prefix, release_pins(store, bucket, prefix))
