"""Governed releases: immutable, documented, masked snapshots of curated data for a pilot base.

``create_release`` snapshots a contract's curated partitions in a date window into the
releases bucket (``<contract>/<version>/``): deterministic Parquet with restricted fields
dropped or pseudonymised, ``manifest.json`` (format in ``_manifest``), a bilingual
``README.md`` card, ``croissant.json`` (Croissant 1.1 + RAI) and ``lock.json``, every
object under S3 object-lock retention. ``verify_release`` recomputes every checksum;
``open_release`` hands the data to pyarrow (and from there pandas, Polars, DuckDB).
"""

from assay.govern.releases._access import (
    ReleaseInfo,
    download_release,
    list_releases,
    open_release,
    read_manifest,
)
from assay.govern.releases._duckdb import connect as duckdb_connect
from assay.govern.releases._errors import (
    InvalidRelease,
    NothingToRelease,
    ReleaseError,
    ReleaseExists,
    ReleaseNotFound,
    ReleaseTampered,
)
from assay.govern.releases._lineage import Buckets
from assay.govern.releases._lock import LockedS3Store, LockingStore, LockTerms
from assay.govern.releases._manifest import FORMAT, MANIFEST, FileEntry
from assay.govern.releases._masking import FieldTreatment, masking_key, plan_masking
from assay.govern.releases._release import Release, ReleaseRequest, create_release, release_prefix
from assay.govern.releases._verify import Problem, Verification, verify_release

__all__ = [
    "FORMAT",
    "MANIFEST",
    "Buckets",
    "FieldTreatment",
    "FileEntry",
    "InvalidRelease",
    "LockTerms",
    "LockedS3Store",
    "LockingStore",
    "NothingToRelease",
    "Problem",
    "Release",
    "ReleaseError",
    "ReleaseExists",
    "ReleaseInfo",
    "ReleaseNotFound",
    "ReleaseRequest",
    "ReleaseTampered",
    "Verification",
    "create_release",
    "download_release",
    "duckdb_connect",
    "list_releases",
    "masking_key",
    "open_release",
    "plan_masking",
    "read_manifest",
    "release_prefix",
    "verify_release",
]
