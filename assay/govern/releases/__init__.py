"""Governed releases: immutable, documented, masked snapshots of curated data for a pilot base.

``request_release`` snapshots a contract's curated partitions in a date window as a draft
(``_drafts/<contract>/<version>/`` in the releases bucket): deterministic Parquet with
restricted fields dropped or pseudonymised (with a key of its own, derived from the master
masking key), ``manifest.json`` (format in ``_manifest``), a bilingual ``README.md`` card
and ``croissant.json`` (Croissant 1.1 + RAI 1.0). ``approve_release``, by a second steward,
publishes it under ``<contract>/<version>/`` with ``lock.json``, every object under S3
object-lock retention; ``reject_release`` and ``withdraw_release`` record the other
outcomes, and ``release_status`` reads them. ``verify_release`` recomputes every checksum;
``open_release`` hands the data to pyarrow (and from there pandas, Polars, DuckDB).
"""

from assay.govern.releases._access import (
    ReleaseInfo,
    list_releases,
    open_release,
    read_manifest,
)
from assay.govern.releases._approval import (
    Decision,
    approve_release,
    create_release,
    reject_release,
    request_release,
    withdraw_release,
)
from assay.govern.releases._download import download_release, download_size
from assay.govern.releases._duckdb import connect as duckdb_connect
from assay.govern.releases._errors import (
    InvalidRelease,
    MaskingKeyError,
    NothingToRelease,
    NotPending,
    ReleaseError,
    ReleaseExists,
    ReleaseNotFound,
    ReleaseTampered,
    ReleaseWithdrawn,
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
from assay.govern.releases._release import Release, ReleaseRequest, draft_release, release_prefix
from assay.govern.releases._status import ReleaseStatus, release_status
from assay.govern.releases._verify import Problem, Verification, verify_release

__all__ = [
    "FORMAT",
    "MANIFEST",
    "SUMS",
    "Buckets",
    "Decision",
    "FieldTreatment",
    "FileEntry",
    "InvalidRelease",
    "LockTerms",
    "LockedS3Store",
    "LockingStore",
    "MaskingKey",
    "MaskingKeyError",
    "NotAReleaseFolder",
    "NotPending",
    "NothingToRelease",
    "Problem",
    "Release",
    "ReleaseError",
    "ReleaseExists",
    "ReleaseInfo",
    "ReleaseNotFound",
    "ReleaseRequest",
    "ReleaseStatus",
    "ReleaseTampered",
    "ReleaseWithdrawn",
    "Rotation",
    "Verification",
    "approve_release",
    "create_release",
    "download_release",
    "download_size",
    "draft_release",
    "duckdb_connect",
    "list_releases",
    "masking_key",
    "open_release",
    "parse_key",
    "plan_masking",
    "read_manifest",
    "reject_release",
    "release_prefix",
    "release_status",
    "request_release",
    "rotate_masking_key",
    "verify_folder",
    "verify_release",
    "withdraw_release",
]
