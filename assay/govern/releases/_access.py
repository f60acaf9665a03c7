"""Reading releases: list them, read a manifest, open the data, download a copy.

`open_release` gives a `pyarrow.dataset.Dataset` over the release's Parquet files on the
S3 server; pandas, Polars, DuckDB and PyTorch start from there (docs/pilot-base.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay.config import Settings
from assay.govern.releases import _manifest
from assay.govern.releases._errors import ReleaseTampered
from assay.govern.releases._manifest import read_manifest
from assay.govern.releases._verify import verify_shadowing
from assay.store.objects import ObjectStore

if TYPE_CHECKING:
    import pyarrow.dataset as ds


@dataclass(frozen=True)
class ReleaseInfo:
    """One line of `list_releases`."""

    contract: str
    version: str
    created: str
    rows: int
    files: int
    window: tuple[str, str]


def list_releases(
    store: ObjectStore, bucket: str, contract: str | None = None
) -> list[ReleaseInfo]:
    """Every release (of one contract, or all), by contract then version."""
    found = []
    for key in store.keys(bucket, f"{contract}/" if contract else ""):
        parts = key.split("/")
        if len(parts) == 3 and parts[2] == _manifest.MANIFEST:
            m = read_manifest(store, bucket, parts[0], parts[1])
            found.append(_info(m))
    return sorted(found, key=lambda r: (r.contract, _semver(r.version)))


def _info(m: dict[str, Any]) -> ReleaseInfo:
    return ReleaseInfo(
        contract=m["release"]["contract"],
        version=m["release"]["version"],
        created=m["release"]["created"],
        rows=m["totals"]["rows"],
        files=m["totals"]["files"],
        window=(m["window"]["from"], m["window"]["to"]),
    )


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def open_release(
    settings: Settings, contract: str, version: str, *, check: bool = True
) -> ds.Dataset:
    """The release's data on the S3 server as a `pyarrow.dataset.Dataset`.

    With ``check`` (the default) it first makes sure every path still reads the released
    object version (`ReleaseTampered` otherwise); run ``assay release verify`` for the
    full checksum proof.
    """
    import pyarrow.dataset as ds

    from assay.govern.releases._lock import LockedS3Store
    from assay.store.objects import arrow_filesystem

    store, bucket = LockedS3Store(settings), settings.bucket_releases
    manifest = read_manifest(store, bucket, contract, version)
    if check and (shadowed := verify_shadowing(store, bucket, contract, version)):
        raise ReleaseTampered(contract, version, shadowed)
    paths = [f"{bucket}/{contract}/{version}/{f.path}" for f in _manifest.data_files(manifest)]
    return ds.dataset(paths, filesystem=arrow_filesystem(settings), format="parquet")
