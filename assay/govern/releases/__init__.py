"""Governed releases: immutable, documented, masked snapshots of curated data for a pilot base.

``create_release`` snapshots a contract's curated partitions in a date window into the
releases bucket (``<contract>/<version>/``): deterministic Parquet with restricted fields
dropped or pseudonymised (with a key of its own, derived from the master masking key),
``manifest.json`` (format in ``_manifest``), a bilingual
``README.md`` card, ``croissant.json`` (Croissant 1.1 + RAI 1.0) and ``lock.json``, every
object under S3 object-lock retention. ``verify_release`` recomputes every checksum;
``open_release`` hands the data to pyarrow (and from there pandas, Polars, DuckDB).
"""

from assay.govern.releases._access import (
    ReleaseInfo,
    list_releases,
    open_release,
    read_manifest,
)
from assay.govern.releases._download import download_release, download_size
from assay.govern.releases._duckdb import connect as duckdb_connect
from assay.govern.releases._errors import (
    InvalidRelease,
    MaskingKeyError,
    NothingToRelease,
    ReleaseError,
    ReleaseExists,
    ReleaseNotFound,
    ReleaseTampered,
)
from assay.govern.releases._lineage import Buckets
from assay.govern.releases._lock import LockedS3Store, LockingStore, LockTerms
from assay.govern.releases._manifest import FORMAT, MANIFEST, FileEntry
from assay.govern.releases._masking import FieldTreatment, plan_masking
from assay.govern.releases._masking_key import (
    MaskingKey,
    Rotation,
    masking_key,
    parse_key,
    rotate_masking_key,
)
from assay.govern.releases._offline import SUMS, NotAReleaseFolder, verify_folder
from assay.govern.releases._release import Release, ReleaseRequest, create_release, release_prefix
from assay.govern.releases._verify import Problem, Verification, verify_release

__all__ = [
    "FORMAT",
    "MANIFEST",
    "SUMS",
    "Buckets",
    "FieldTreatment",
    "FileEntry",
    "InvalidRelease",
    "LockTerms",
    "LockedS3Store",
    "LockingStore",
    "MaskingKey",
    "MaskingKeyError",
    "NotAReleaseFolder",
    "NothingToRelease",
    "Problem",
    "Release",
    "ReleaseError",
    "ReleaseExists",
    "ReleaseInfo",
    "ReleaseNotFound",
    "ReleaseRequest",
    "ReleaseTampered",
    "Rotation",
    "Verification",
    "create_release",
    "download_release",
    "download_size",
    "duckdb_connect",
    "list_releases",
    "masking_key",
    "open_release",
    "parse_key",
    "plan_masking",
    "read_manifest",
    "release_prefix",
    "rotate_masking_key",
    "verify_folder",
    "verify_release",
]
