"""The object store as assay sees it: a small protocol, the S3 implementation, and one in memory.

Pipeline code takes an `ObjectStore`, so unit tests pass a `MemoryStore` and integration
tests the real S3 server. S3 errors are translated to `StoreError` here and nowhere else.

Every call is bounded: the minio SDK's own client waits 300 s for a connection and a read
and retries five times, so a dead S3 server held a task for half an hour per call; ours
gives up after ``CONNECT_TIMEOUT_S`` / ``READ_TIMEOUT_S`` and ``RETRIES`` tries, and the
error is transient (the Airflow task retries).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from assay.config import Settings
from assay.errors import ObjectExists, StoreError
from assay.store.versions import ObjectVersion, Versioned, parse_page

if TYPE_CHECKING:
    import urllib3
    from minio import Minio
    from pyarrow.fs import S3FileSystem

META_PREFIX = "x-amz-meta-"
PARQUET = "application/vnd.apache.parquet"
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 60.0
RETRIES = 3
HTML = "text/html; charset=utf-8"


def served_headers(content_type: str) -> dict[str, str]:
    """The headers an object is stored with: its type, and for HTML ``attachment``.

    A page on the S3 server's origin could read whatever that origin serves to the reader,
    so HTML is downloaded, not shown inline; once opened, the page's own
    Content-Security-Policy tag holds (an S3 server cannot send that header).
    """
    headers = {"Content-Type": content_type}
    if content_type.split(";")[0].strip().lower() in {"text/html", "application/xhtml+xml"}:
        headers["Content-Disposition"] = "attachment"
    return headers


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

    def create(
        self,
        bucket: str,
        key: str,
        data: bytes,
        metadata: dict[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> bool:
        """Write an object only if none exists (``If-None-Match: *``); False if one did.

        Two writers racing for one key: exactly one creates it, the other learns it lost.
        """

    def get(self, bucket: str, key: str) -> bytes:
        """Read an object whole; `StoreError` with ``missing=True`` if there is none."""

    def head(self, bucket: str, key: str) -> dict[str, str] | None:
        """The object's user metadata (without the ``x-amz-meta-`` prefix), or None."""

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key under ``prefix``, sorted."""

    def delete(self, bucket: str, key: str) -> None:
        """Delete an object (in a versioned bucket: hide it behind a delete marker)."""


class RenamingStore(ObjectStore, Protocol):
    """An `ObjectStore` that can also move objects (S3 has no rename: copy, then delete)."""

    def copy(self, bucket: str, source: str, target: str, metadata: dict[str, str]) -> None:
        """Copy an object within a bucket, bytes and content type unchanged, new user metadata."""


class VersionedStore(ObjectStore, Versioned, Protocol):
    """An object store whose buckets keep versions: what retention needs to remove data."""


class MemoryStore:
    """A `VersionedStore` in a dict, for unit tests.

    Only the current bytes are kept; a replaced version is remembered by id and time.
    So removing a current version while older ones remain does not bring an older one
    back, as S3 would: retention removes the older versions first.
    """

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.objects: dict[tuple[str, str], tuple[bytes, dict[str, str]]] = {}
        self.headers: dict[tuple[str, str], dict[str, str]] = {}
        self.clock = clock
        self.current: dict[tuple[str, str], tuple[str, datetime]] = {}
        self.older: dict[tuple[str, str], list[tuple[str, datetime]]] = {}
        self._ids = 0

    def fork(self) -> MemoryStore:
        """A store holding what this one holds now; later writes to either stay apart (a
        test builds a store once and writes to a fork of it)."""
        other = MemoryStore(self.clock)
        other.objects, other.headers = dict(self.objects), dict(self.headers)
        other.current = dict(self.current)
        other.older = {where: list(versions) for where, versions in self.older.items()}
        other._ids = self._ids
        return other

    def put(
        self,
        bucket: str,
        key: str,
        data: bytes,
        metadata: dict[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> None:
        if (bucket, key) in self.current:
            self.older.setdefault((bucket, key), []).insert(0, self.current[(bucket, key)])
        self._ids += 1
        self.current[(bucket, key)] = (f"v{self._ids}", self.clock())
        self.objects[(bucket, key)] = (bytes(data), dict(metadata or {}))
        self.headers[(bucket, key)] = served_headers(content_type)

    def create(
        self,
        bucket: str,
        key: str,
        data: bytes,
        metadata: dict[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> bool:
        if (bucket, key) in self.objects:
            return False
        self.put(bucket, key, data, metadata, content_type)
        return True

    def delete(self, bucket: str, key: str) -> None:
        self.objects.pop((bucket, key), None)
        self.current.pop((bucket, key), None)

    def list_versions(self, bucket: str, prefix: str = "") -> list[ObjectVersion]:
        found = []
        for key in self.keys(bucket, prefix):
            version_id, modified = self.current.get((bucket, key), ("null", self.clock()))
            found.append(ObjectVersion(key, version_id, modified, latest=True))
            for old_id, old_time in self.older.get((bucket, key), []):
                found.append(ObjectVersion(key, old_id, old_time, latest=False))
        return found

    def remove_version(self, bucket: str, key: str, version_id: str) -> None:
        where = (bucket, key)
        if where in self.objects and self.current.get(where, ("null",))[0] == version_id:
            self.objects.pop(where)
            self.headers.pop(where, None)
            self.current.pop(where, None)
            return
        self.older[where] = [v for v in self.older.get(where, []) if v[0] != version_id]

    def get(self, bucket: str, key: str) -> bytes:
        if (bucket, key) not in self.objects:
            raise StoreError(bucket, key, "no such object", missing=True)
        return self.objects[(bucket, key)][0]

    def head(self, bucket: str, key: str) -> dict[str, str] | None:
        found = self.objects.get((bucket, key))
        return dict(found[1]) if found else None

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        return sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))

    def copy(self, bucket: str, source: str, target: str, metadata: dict[str, str]) -> None:
        self.objects[(bucket, target)] = (self.get(bucket, source), dict(metadata))


#: Bytes per chunk of `S3Store.stream`.
STREAM_CHUNK = 1 << 20
#: Objects up to this size go in one PUT. minio's own default cuts anything over 5 MiB into
#: 5 MiB parts: a 10 MB Parquet segment became four requests, each part signed and copied by
#: the client and assembled again by the server (bench/README.md, "One PUT per object").
SINGLE_PUT_BYTES = 64 * 1024 * 1024


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
        meta = _object_headers(metadata, content_type)
        del meta["Content-Type"]  # minio sends it from content_type
        with _translated(bucket, key):
            self.client.put_object(
                bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata=meta,
                part_size=SINGLE_PUT_BYTES if len(data) <= SINGLE_PUT_BYTES else 0,
            )

    def create(
        self,
        bucket: str,
        key: str,
        data: bytes,
        metadata: dict[str, str] | None = None,
        content_type: str = "application/octet-stream",
    ) -> bool:
        from minio.error import S3Error

        headers = _object_headers(metadata, content_type) | {"If-None-Match": "*"}
        try:
            with _translated(bucket, key):
                # put_object would send If-None-Match as user metadata (and large objects in
                # parts): one plain PUT with the header, as S3 defines conditional writes.
                self.client._put_object(bucket, key, bytes(data), headers)
        except StoreError as exc:
            cause = exc.__cause__
            if not (isinstance(cause, S3Error) and cause.code == "PreconditionFailed"):
                raise
            if self.head(bucket, key) is not None:
                return False
            # Versity Gateway 1.8 refuses the condition over a delete marker too, though no
            # object is current: there is none to keep, so write it (only after a delete).
            self.put(bucket, key, data, metadata, content_type)
        return True

    def delete(self, bucket: str, key: str) -> None:
        with _translated(bucket, key):
            self.client.remove_object(bucket, key)

    def get(self, bucket: str, key: str) -> bytes:
        with _translated(bucket, key):
            response = self.client.get_object(bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def stream(
        self, bucket: str, key: str, *, version_id: str | None = None, offset: int = 0
    ) -> Iterator[bytes]:
        """The object's bytes from ``offset`` on (an HTTP range), in chunks of about 1 MiB:
        a download holds one chunk in memory and resumes where a broken one stopped."""
        with _translated(bucket, key):
            response = self.client.get_object(bucket, key, offset=offset, version_id=version_id)
            try:
                yield from response.stream(STREAM_CHUNK)
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

    def copy(self, bucket: str, source: str, target: str, metadata: dict[str, str]) -> None:
        from minio.commonconfig import REPLACE, CopySource

        with _translated(bucket, source):
            stat = self.client.stat_object(bucket, source)
        headers: dict[str, str | list[str] | tuple[str]] = {
            "Content-Type": stat.content_type or "application/octet-stream",
            **{f"{META_PREFIX}{k}": v for k, v in metadata.items()},
        }
        with _translated(bucket, target):
            self.client.copy_object(
                bucket,
                target,
                CopySource(bucket, source),
                metadata=headers,
                metadata_directive=REPLACE,
            )

    def list_versions(self, bucket: str, prefix: str = "") -> list[ObjectVersion]:
        found: list[ObjectVersion] = []
        query: dict[str, str | list[str] | tuple[str]] | None = {"versions": "", "prefix": prefix}
        while query is not None:
            with _translated(bucket, prefix):
                body = self.client._execute("GET", bucket, query_params=query).data
            page, more = parse_page(body)
            found += page
            query = {"versions": "", "prefix": prefix, **more} if more else None
        return found

    def remove_version(self, bucket: str, key: str, version_id: str) -> None:
        with _translated(bucket, key):
            self.client.remove_object(bucket, key, version_id=version_id)


def _object_headers(
    metadata: dict[str, str] | None, content_type: str
) -> dict[str, str | list[str] | tuple[str]]:
    """User metadata and the served headers of an object, for a plain or a conditional PUT."""
    headers: dict[str, str | list[str] | tuple[str]] = {
        f"{META_PREFIX}{k}": v for k, v in (metadata or {}).items()
    }
    return headers | served_headers(content_type)


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
    """A `minio.Minio` client for the configured endpoint and credentials, with bounded calls."""
    from minio import Minio

    access, secret = settings.s3_credentials()
    url = urlsplit(settings.endpoint)
    return Minio(
        url.netloc,
        access_key=access,
        secret_key=secret,
        secure=url.scheme == "https",
        region=settings.s3_region,
        http_client=_pool(),
    )


def _pool() -> urllib3.PoolManager:
    """Connections with timeouts and a few quick retries (minio's own: 300 s, five retries)."""
    import urllib3

    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S),
        maxsize=10,
        retries=urllib3.Retry(
            total=RETRIES, backoff_factor=0.5, status_forcelist=[500, 502, 503, 504]
        ),
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
        connect_timeout=CONNECT_TIMEOUT_S,
        request_timeout=READ_TIMEOUT_S,
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
