"""A release on a pilot base's disk: ``SHA256SUMS`` beside it, and verification without a network.

``SHA256SUMS`` lists the manifest and every file it checksums in the format of GNU
``sha256sum`` (``<hex>  <path>``), so ``sha256sum -c SHA256SUMS`` works where assay is not
installed. It is written after the manifest (it holds the manifest's own sum, which the
manifest cannot) and pinned by ``lock.json`` like every other object.

`verify_folder` is ``assay release verify ./dir``: the manifest is the root of trust; each
file's size, sha256 (read in chunks, never whole) and Parquet row count are recomputed, and
``SHA256SUMS``, when there, must agree with the manifest line for line.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from assay.govern.releases import _manifest
from assay.govern.releases._errors import ReleaseError
from assay.govern.releases._verify import Problem, Verification, check_ledger

SUMS = "SHA256SUMS"
CHUNK = 1 << 20


class NotAReleaseFolder(ReleaseError):
    """The folder holds no readable ``manifest.json``."""

    def __init__(self, folder: Path, reason: str) -> None:
        self.folder, self.reason = folder, reason
        super().__init__(f"{folder} is not a downloaded release: {reason}")


def sums_text(manifest: dict[str, Any], manifest_bytes: bytes) -> bytes:
    """``SHA256SUMS`` of a release: the manifest and every file it lists, sorted by path."""
    sums = {f.path: f.sha256 for f in _manifest.checked_files(manifest)}
    sums[_manifest.MANIFEST] = _manifest.sha256(manifest_bytes)
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(sums.items())).encode()


def parse_sums(text: str) -> dict[str, str]:
    """Path -> hex digest from ``sha256sum`` output (text or ``*binary`` mode)."""
    sums: dict[str, str] = {}
    for line in text.splitlines():
        digest, _, path = line.partition(" ")
        if digest and path:
            sums[path[1:] if path[:1] in " *" else path] = digest.lower()
    return sums


def file_sha256(path: Path) -> str:
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_folder(folder: Path) -> Verification:
    """Recompute every checksum, size and row count of a downloaded release, offline."""
    raw = _read_manifest(folder)
    manifest = _manifest.loads(raw)
    release = manifest["release"]
    result = Verification(release["contract"], release["version"], pinned=False)
    result.problems.extend(_check_sums(folder, manifest, raw))
    for entry in _manifest.checked_files(manifest):
        result.checked.append(entry.path)
        result.problems.extend(check_local_file(folder, entry))
    result.problems.extend(check_ledger(manifest))
    return result


def _read_manifest(folder: Path) -> bytes:
    try:
        raw = (folder / _manifest.MANIFEST).read_bytes()
        _manifest.loads(raw)["release"]["contract"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NotAReleaseFolder(folder, f"{_manifest.MANIFEST}: {exc}") from exc
    return raw


def _check_sums(folder: Path, manifest: dict[str, Any], raw: bytes) -> list[Problem]:
    """``SHA256SUMS`` must name the manifest's sum and agree with it on every file."""
    path = folder / SUMS
    if not path.is_file():  # releases made before it existed have none
        return []
    listed = parse_sums(path.read_text(encoding="utf-8", errors="replace"))
    expected = parse_sums(sums_text(manifest, raw).decode())
    return [
        Problem(SUMS, "sha256", f"{name} {digest}", f"{name} {listed.get(name, 'nothing')}")
        for name, digest in sorted(expected.items())
        if listed.get(name) != digest
    ]


def check_local_file(folder: Path, entry: _manifest.FileEntry) -> list[Problem]:
    """What is wrong with one downloaded file, against its manifest entry."""
    path = folder / entry.path
    if not path.is_file():
        return [Problem(entry.path, "missing", entry.sha256, "nothing")]
    problems = []
    if (size := path.stat().st_size) != entry.size:
        problems.append(Problem(entry.path, "size", str(entry.size), str(size)))
    if (digest := file_sha256(path)) != entry.sha256:
        problems.append(Problem(entry.path, "sha256", entry.sha256, digest))
    if entry.rows is not None:
        problems.extend(_check_rows(path, entry))
    return problems


def _check_rows(path: Path, entry: _manifest.FileEntry) -> list[Problem]:
    import pyarrow.parquet as pq

    try:
        rows = pq.read_metadata(path).num_rows
    except Exception as exc:  # pyarrow raises several types for a broken footer
        return [Problem(entry.path, "unreadable", "Parquet", type(exc).__name__)]
    return [] if rows == entry.rows else [Problem(entry.path, "rows", str(entry.rows), str(rows))]
