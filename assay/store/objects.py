"""The object store as assay sees it: a small protocol, the S3 implementation, and one in memory.

Pipeline code takes an `ObjectStore`, so unit tests pass a `MemoryStore` and integration
tests the real S3 server. S3 errors are translated to `StoreError` here and nowhere else.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from assay.config import Settings
from assay.errors import ObjectExists, StoreError

if TYPE_CHECKING:
    from minio import Minio
    from pyarrow.fs import S3FileSystem

META_PREFIX = "x-amz-meta-"
PARQUET = "application/vnd.apache.parquet"


class ObjectStore(Protocol):
    """What the pipeline needs of an object store."""

    def put(
        self,
        bucket: str,
        key: str,
        data: bytes,
        metadata: dict[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> None:
        """Write an object whole (S3 PUT is atomic: readers see all of it or none)."""

    def get(self, bucket: str, key: str) -> bytes:
        """Read an object whole; `StoreError` with ``missing=True`` if there is none."""

    def head(self, bucket: str, key: str) -> dict[str, str] | None:
        """The object's user metadata (without the ``x-amz-meta-`` prefix), or None."""

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key under ``prefix``, sorted."""


class MemoryStore:
    """An `ObjectStore` in a dict, for unit tests."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], tuple[bytes, dict[str, str]]] = {}

    def put(
        self,
        bucket: str,
        key: str,
        data: bytes,
        metadata: dict[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> None:
        self.objects[(bucket, key)] = (bytes(data), dict(metadata or {}))

    def get(self, bucket: str, key: str) -> bytes:
        if (bucket, key) not in self.objects:
            raise StoreError(bucket, key, "no such object", missing=True)
        return self.objects[(bucket, key)][0]

    def head(self, bucket: str, key: str) -> dict[str, str] | None:
        found = self.objects.get((bucket, key))
        return dict(found[1]) if found else None

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        return sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))


class S3Store:
    """An `ObjectStore` on any S3 server, through the minio SDK."""

    def __init__(self, settings: Settings) -> None:
        self.client = s3_client(settings)

    def put(
        self,
        bucket: str,
        key: str,
        data: bytes,
        metadata: dict[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> None:
        meta: dict[str, str | list[str] | tuple[str]] = {
            f"{META_PREFIX}{k}": v for k, v in (metadata or {}).items()
        }
        with _translated(bucket, key):
            self.client.put_object(
                bucket, key, io.BytesIO(data), len(data), content_type=content_type, metadata=meta
            )

    def get(self, bucket: str, key: str) -> bytes:
        with _translated(bucket, key):
            response = self.client.get_object(bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def head(self, bucket: str, key: str) -> dict[str, str] | None:
        try:
            with _translated(bucket, key):
                stat = self.client.stat_object(bucket, key)
        except StoreError as exc:
            if exc.missing:
                return None
            raise
        meta = stat.metadata or {}
        return {
            k[len(META_PREFIX) :]: v for k, v in meta.items() if k.lower().startswith(META_PREFIX)
        }

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        with _translated(bucket, prefix):
            found = self.client.list_objects(bucket, prefix=prefix, recursive=True)
            return sorted(o.object_name for o in found if o.object_name)


@contextmanager
def _translated(bucket: str, key: str) -> Iterator[None]:
    """minio and urllib3 errors -> `StoreError`, with whether a retry may help."""
    from minio.error import MinioException, S3Error
    from urllib3.exceptions import HTTPError

    try:
        yield
    except S3Error as exc:
        if exc.code == "PreconditionFailed":  # the only precondition assay sends: If-None-Match
            raise ObjectExists(bucket, key) from exc
        missing = exc.code in {"NoSuchKey", "NotFound", "NoSuchObject"}
        raise StoreError(bucket, key, f"{exc.code}: {exc.message}", missing=missing) from exc
    except (MinioException, HTTPError, OSError) as exc:
        raise StoreError(bucket, key, str(exc), transient=True) from exc


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
