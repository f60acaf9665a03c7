"""The object store as assay sees it: an S3 client, the buckets, and a pyarrow filesystem."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assay.config import Settings

if TYPE_CHECKING:
    from minio import Minio
    from pyarrow.fs import S3FileSystem


def s3_client(settings: Settings) -> Minio:
    """A `minio.Minio` client for the configured endpoint and credentials."""
    from minio import Minio

    access, secret = settings.s3_credentials()
    url = urlsplit(settings.endpoint)
    return Minio(
        url.netloc,
        access_key=access,
        secret_key=secret,
        secure=url.scheme == "https",
        region=settings.s3_region,
    )


def arrow_filesystem(settings: Settings) -> S3FileSystem:
    """A `pyarrow.fs.S3FileSystem` on the same endpoint, for Parquet reads and writes."""
    from pyarrow.fs import S3FileSystem

    access, secret = settings.s3_credentials()
    url = urlsplit(settings.endpoint)
    return S3FileSystem(
        access_key=access,
        secret_key=secret,
        endpoint_override=url.netloc,
        scheme=url.scheme or "http",
        region=settings.s3_region,
        allow_bucket_creation=False,
    )


def ensure_buckets(settings: Settings) -> list[str]:
    """Create every pipeline bucket that is missing, with versioning on; return those created."""
    from minio.commonconfig import ENABLED
    from minio.versioningconfig import VersioningConfig

    client = s3_client(settings)
    created = []
    for role, bucket in settings.buckets.items():
        if client.bucket_exists(bucket):
            continue
        # Releases must be immutable: object lock can only be switched on at creation.
        client.make_bucket(bucket, object_lock=role == "releases")
        client.set_bucket_versioning(bucket, VersioningConfig(ENABLED))
        created.append(bucket)
    return created
