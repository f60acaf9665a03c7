"""Downloading a release: streamed, resumable, with progress, each file checked as it lands.

Per file of the manifest (data, then documents), then ``manifest.json`` and ``SHA256SUMS``:

1. a file already in place with the manifest's size and sha256 is kept (a finished file of
   an interrupted download is not fetched again);
2. otherwise its bytes stream into ``<file>.part`` at the released version, starting after
   what a ``.part`` of an earlier try already holds (an HTTP range);
3. the ``.part`` is checked against the manifest's size and sha256 and only then renamed to
   its name: a file under its own name is always whole. A ``.part`` that fails the check is
   deleted and the download stops with `ReleaseTampered` naming it.

The manifest itself is read (pinned, checked against ``lock.json``) before anything else,
so every later check has a trusted reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from assay.govern.releases import _manifest
from assay.govern.releases._errors import ReleaseTampered
from assay.govern.releases._lock import Pins, read_released, release_pins
from assay.govern.releases._offline import SUMS, file_sha256
from assay.store.layout import release_prefix
from assay.store.objects import ObjectStore

#: Called with the number of bytes just written (or found in place).
Progress = Callable[[int], None]


def download_size(manifest: dict[str, Any]) -> int:
    """Bytes of every checksummed file of a release: what a progress bar counts to."""
    return sum(f.size for f in _manifest.checked_files(manifest))


def download_release(
    store: ObjectStore,
    bucket: str,
    contract: str,
    version: str,
    dest: Path,
    progress: Progress = lambda _: None,
) -> Path:
    """Copy the released versions into ``dest`` (data, documents, manifest, SHA256SUMS)."""
    prefix = release_prefix(contract, version)
    manifest = _manifest.read_manifest(store, bucket, contract, version)
    pins = release_pins(store, bucket, prefix)
    for entry in _manifest.checked_files(manifest):
        target = dest / entry.path
        if _complete(target, entry):
            progress(entry.size)
            continue
        _fetch(store, bucket, prefix + entry.path, pins.versions.get(entry.path), target, progress)
        if not _complete(target.with_name(target.name + ".part"), entry):
            target.with_name(target.name + ".part").unlink()
            raise ReleaseTampered(contract, version, [entry.path])
        target.with_name(target.name + ".part").replace(target)
    _small(store, bucket, prefix, pins, dest, contract, version)
    return dest


def _small(
    store: ObjectStore,
    bucket: str,
    prefix: str,
    pins: Pins,
    dest: Path,
    contract: str,
    version: str,
) -> None:
    """The manifest (as released) and SHA256SUMS (absent from releases made before it)."""
    for path in (_manifest.MANIFEST, SUMS):
        data = read_released(store, bucket, prefix + path, pins.versions.get(path))
        if data is None and path == SUMS:
            continue
        if data is None:
            raise ReleaseTampered(contract, version, [path])
        dest.mkdir(parents=True, exist_ok=True)
        (dest / path).write_bytes(data)


def _complete(path: Path, entry: _manifest.FileEntry) -> bool:
    return (
        path.is_file() and path.stat().st_size == entry.size and file_sha256(path) == entry.sha256
    )


def _fetch(
    store: ObjectStore,
    bucket: str,
    key: str,
    version: str | None,
    target: Path,
    progress: Progress,
) -> None:
    part = target.with_name(target.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    offset = part.stat().st_size if part.is_file() else 0
    progress(offset)
    with part.open("ab") as fh:
        for chunk in _chunks(store, bucket, key, version, offset):
            fh.write(chunk)
            progress(len(chunk))


def _chunks(
    store: ObjectStore, bucket: str, key: str, version: str | None, offset: int
) -> Iterator[bytes]:
    """From the S3 server, a ranged stream; from another store (the in-memory one of the
    tests), its bytes from ``offset``."""
    from assay.store.objects import S3Store

    if isinstance(store, S3Store):
        yield from store.stream(bucket, key, version_id=version, offset=offset)
        return
    data = read_released(store, bucket, key, version)
    if data is not None:
        yield data[offset:]
