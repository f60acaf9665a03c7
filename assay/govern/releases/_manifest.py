"""The release manifest: what a release holds, where it came from, and how good it is.

``manifest.json`` sits beside the data (``<contract>/<version>/manifest.json`` in the
releases bucket). It is the root of trust: every data file and both documents are listed
with their sha256, and ``assay release verify`` recomputes them. Its keys are a stable
interface (format ``assay.release/1``, laid out in docs/release-format.md); new keys may be
added, none renamed. Given the same curated inputs, grants, key and ``created``, the
manifest is byte-identical; ``files`` does not depend on ``created`` at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from assay.govern.releases._errors import ReleaseNotFound, ReleaseTampered
from assay.govern.releases._lock import read_released, release_pins
from assay.store.layout import release_prefix
from assay.store.objects import ObjectStore

FORMAT = "assay.release/1"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class FileEntry:
    """One checksummed file of a release."""

    path: str
    sha256: str
    size: int
    rows: int | None = None
    date: str | None = None
    site: str | None = None
    sources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The manifest form: data files carry rows and sources, documents do not."""
        entry: dict[str, Any] = {"path": self.path, "sha256": self.sha256, "size": self.size}
        if self.rows is not None:
            entry.update(rows=self.rows, date=self.date, site=self.site, sources=list(self.sources))
        return entry

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileEntry:
        """Parse a manifest entry."""
        return cls(
            path=data["path"],
            sha256=data["sha256"],
            size=int(data["size"]),
            rows=data.get("rows"),
            date=data.get("date"),
            site=data.get("site"),
            sources=tuple(data.get("sources", ())),
        )


def sha256(data: bytes) -> str:
    """Hex sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def document_entry(path: str, data: bytes) -> FileEntry:
    """The manifest entry of a document (README.md, croissant.json)."""
    return FileEntry(path=path, sha256=sha256(data), size=len(data))


def dumps(manifest: dict[str, Any]) -> bytes:
    """The stored form: stable key order, UTF-8, one trailing newline."""
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()


def loads(data: bytes) -> dict[str, Any]:
    """Parse a stored manifest."""
    parsed: dict[str, Any] = json.loads(data)
    return parsed


def data_files(manifest: dict[str, Any]) -> list[FileEntry]:
    """The data files a manifest lists."""
    return [FileEntry.from_dict(f) for f in manifest["files"]]


def checked_files(manifest: dict[str, Any]) -> list[FileEntry]:
    """Every file whose checksum the manifest records: data, then documents."""
    return data_files(manifest) + [FileEntry.from_dict(d) for d in manifest["documents"]]


def read_manifest(store: ObjectStore, bucket: str, contract: str, version: str) -> dict[str, Any]:
    """A release's manifest as released, or `ReleaseNotFound`.

    On a versioned store that is the version the oldest ``lock.json`` pins, checked against
    the sha256 recorded there (`ReleaseTampered` if it differs), not whatever was written
    on top of it since.
    """
    prefix = release_prefix(contract, version)
    pins = release_pins(store, bucket, prefix)
    data = read_released(store, bucket, prefix + MANIFEST, pins.versions.get(MANIFEST))
    if data is None:
        raise ReleaseNotFound(contract, version, bucket)
    if pins.manifest_sha256 not in (None, sha256(data)):
        raise ReleaseTampered(contract, version, [MANIFEST])
    return loads(data)
