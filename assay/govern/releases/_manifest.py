"""The release manifest: what a release holds, where it came from, and how good it is.

``manifest.json`` sits beside the data (``<contract>/<version>/manifest.json`` in the
releases bucket). It is the root of trust: every data file and both documents are
listed with their sha256, and ``assay release verify`` recomputes them. Its JSON keys are
a stable interface (format ``assay.release/1``); new keys may be added, none renamed::

    {
      "format": "assay.release/1",
      "release": {"contract": str, "version": "X.Y.Z",
                  "created": "YYYY-MM-DDTHH:MM:SSZ",          # not part of any data file
                  "licence": str, "recipient": str | null},
      "contract": {"name": str, "version": "X.Y.Z", "major": int,
                   "title": {"zh": str, "en": str}, "description": {"zh", "en"},
                   "scenario": str, "security_level": str, "owner": str,
                   "key": [str], "event_time": str},
      "window": {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"},   # inclusive, curated dates
      "files": [                                               # the data, sorted by path
        {"path": "data/<date>/<site>-<nnnn>.parquet",          # relative to the release
         "sha256": hex, "size": int, "rows": int, "date": str, "site": str,
         "sources": [curated object key, ...]}],
      "documents": [{"path": "README.md" | "croissant.json", "sha256": hex, "size": int}],
      "totals": {"files": int, "rows": int, "bytes": int, "sites": [str],
                 "devices": [str], "first_event": iso | null, "last_event": iso | null},
      "fields": [                                              # in schema order
        {"name": str, "type": arrow type as released, "unit": str | null,
         "classification": "L1" | "L2" | "L3", "personal": bool,
         "treatment": "kept" | "granted" | "dropped" | "pseudonymised",
         "description": {"zh": str, "en": str}}],
      "masking": {"method": "HMAC-SHA256", "key_id": hex16 | null,  # of the master key
                  "derivation": {"kdf": "HKDF-SHA256", "salt": "assay.masking/1",
                                 "info": [contract, version, recipient]} | null,
                  "granted": [str], "dropped": [str], "pseudonymised": [str]},
      "lineage": {"curated_bucket": str, "raw_bucket": str,
                  "segments": [{"stem": str, "topic": str, "partition": int,
                                "start_offset": int | null, "end_offset": int | null,
                                "raw_key": str, "contract_version": str | null}]},
      "reports": [{"segment": stem, "bucket": str, "prefix": str,
                   "summary": {"key": str, "sha256": hex} | null,
                   "validation": {"key": str, "sha256": hex} | null,
                   "scores_key": str, "data_docs_key": str}],
      "quality": {"basis": str, "segments": int, "readings": int, "curated": int,
                  "quarantined": int, "duplicates": int, "dead_readings": int,
                  "checked": int, "passed": int, "score": float | null,
                  "dimensions": [{"dimension": str, "label_zh": str, "label_en": str,
                                  "checked": int, "passed": int, "failed": int,
                                  "score": float | null}]},   # six GB/T 36344 dimensions
      "lock": {"mode": "COMPLIANCE" | "GOVERNANCE", "retain_until": iso, "days": int}
    }

Given the same curated inputs, grants, key and ``created``, the manifest is byte-identical;
``files`` (paths, checksums, sizes, rows) does not depend on ``created`` at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

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
