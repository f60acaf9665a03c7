"""Reading releases: list them, read a manifest, open the data, download a copy.

`open_release` gives a `pyarrow.dataset.Dataset` over the release's Parquet files on the
S3 server; pandas, Polars, DuckDB and PyTorch start from there (docs/pilot-base.md).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assay.config import Settings
from assay.govern.releases import _manifest
from assay.govern.releases._errors import ReleaseTampered, ReleaseWithdrawn
from assay.govern.releases._manifest import read_manifest
from assay.govern.releases._status import (
    ReleaseStatus,
    draft_versions,
    release_status,
    withdrawal,
    withdrawn_warning,
)
from assay.govern.releases._verify import verify_shadowing
from assay.store.layout import DRAFTS, RELEASE_DATA
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
    state: str = "published"
    requested_by: str | None = None
    approved_by: str | None = None


def list_releases(
    store: ObjectStore, bucket: str, contract: str | None = None, *, drafts: bool = False
) -> list[ReleaseInfo]:
    """Every published release (of one contract, or all), by contract then version; with
    ``drafts`` the requests not yet published too (drafts are never under a pilot's prefix,
    so a pilot base lists published releases only)."""
    found = {}
    for key in store.keys(bucket, f"{contract}/" if contract else ""):
        parts = key.split("/")
        if len(parts) == 3 and parts[2] == _manifest.MANIFEST and not key.startswith(DRAFTS):
            found[(parts[0], parts[1])] = release_status(store, bucket, parts[0], parts[1])
    for pair in draft_versions(store, bucket, contract) if drafts else []:
        if pair not in found:
            found[pair] = release_status(store, bucket, *pair)
    infos = [_info(s) for s in found.values()]
    return sorted(infos, key=lambda r: (r.contract, _semver(r.version)))


def _info(status: ReleaseStatus) -> ReleaseInfo:
    m = status.manifest
    return ReleaseInfo(
        contract=status.contract,
        version=status.version,
        created=m["release"]["created"],
        rows=m["totals"]["rows"],
        files=m["totals"]["files"],
        window=(m["window"]["from"], m["window"]["to"]),
        state=status.state,
        requested_by=status.request.get("by") or status.request.get("requested_by"),
        approved_by=(status.decision or {}).get("by") if status.state != "rejected" else None,
    )


def _semver(version: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


def open_release(
    settings: Settings, contract: str, version: str, *, check: bool = True
) -> ds.Dataset:
    """The release's data on the S3 server as a `pyarrow.dataset.Dataset`.

    With ``check`` (the default) it first makes sure every path still reads the released
    object version (`ReleaseTampered` otherwise); run ``assay release verify`` for the
    full checksum proof. The ``date`` of each file's Hive folder is a column, so a filter
    on it reads only that day's files.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    from assay.govern.releases._lock import LockedS3Store
    from assay.store.objects import arrow_filesystem

    store, bucket = LockedS3Store(settings), settings.bucket_releases
    manifest = read_manifest(store, bucket, contract, version)
    if check and (shadowed := verify_shadowing(store, bucket, contract, version)):
        raise ReleaseTampered(contract, version, shadowed)
    if gone := withdrawal(store, bucket, contract, version):
        warnings.warn(withdrawn_warning(contract, version, gone), ReleaseWithdrawn, stacklevel=2)
    base = f"{bucket}/{contract}/{version}/"
    paths = [base + f.path for f in _manifest.data_files(manifest)]
    dates = ds.partitioning(pa.schema([("date", pa.date32())]), flavor="hive")
    return ds.dataset(
        paths,
        filesystem=arrow_filesystem(settings),
        format="parquet",
        partitioning=dates,
        partition_base_dir=base + RELEASE_DATA,
    )
