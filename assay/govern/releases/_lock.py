"""Immutability: release objects written under S3 object-lock retention, and pinned by version.

What "cannot be altered" means on a versioned, object-locked bucket:

* every object version a release writes carries a retention (COMPLIANCE by default, so
  nobody — not even the root account — can shorten it) until ``created + N days``;
* until then the server refuses to delete that version or to replace its bytes;
* a plain DELETE or PUT on the same key is still accepted, as S3 specifies, but it only
  adds a delete marker or a *new* version on top: the released version stays readable.
  ``lock.json`` records the version id of every object the release wrote, so
  ``verify`` checks exactly the released bytes and reports any key whose current
  version is no longer the released one (``shadowed``), and `open_release` refuses to
  read a shadowed release.

Stores without versions (``MemoryStore`` in unit tests) get plain writes and no pins.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from assay.errors import StoreError
from assay.store.objects import ObjectStore, S3Store, _translated

LOCK = "lock.json"


@dataclass(frozen=True)
class LockTerms:
    """The retention every object of one release gets."""

    mode: str
    retain_until: datetime
    days: int

    @classmethod
    def after(cls, created: datetime, days: int, mode: str = "COMPLIANCE") -> LockTerms:
        """Retention of ``days`` days from the release's creation."""
        return cls(mode=mode, retain_until=created + timedelta(days=days), days=days)

    def to_dict(self) -> dict[str, Any]:
        """The manifest's ``lock`` entry."""
        return {"mode": self.mode, "retain_until": _iso(self.retain_until), "days": self.days}


@runtime_checkable
class LockingStore(Protocol):
    """An object store that can write retained objects and read pinned versions."""

    def put_locked(
        self, bucket: str, key: str, data: bytes, content_type: str, terms: LockTerms
    ) -> str | None:
        """Write an object version under retention; return its version id."""

    def get_version(self, bucket: str, key: str, version_id: str) -> bytes:
        """Read one version of an object."""

    def current_version(self, bucket: str, key: str) -> str | None:
        """The version id a plain GET returns now, or None if the key is deleted."""


class LockedS3Store(S3Store):
    """`S3Store` plus object-lock writes and version reads (minio SDK)."""

    def put_locked(
        self, bucket: str, key: str, data: bytes, content_type: str, terms: LockTerms
    ) -> str | None:
        from minio.retention import COMPLIANCE, GOVERNANCE, Retention

        mode = COMPLIANCE if terms.mode == "COMPLIANCE" else GOVERNANCE
        with _translated(bucket, key):
            result = self.client.put_object(
                bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                retention=Retention(mode, terms.retain_until),
            )
        return result.version_id

    def get_version(self, bucket: str, key: str, version_id: str) -> bytes:
        with _translated(bucket, key):
            response = self.client.get_object(bucket, key, version_id=version_id)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def current_version(self, bucket: str, key: str) -> str | None:
        try:
            with _translated(bucket, key):
                return self.client.stat_object(bucket, key).version_id
        except StoreError as exc:  # a delete marker on top reads as missing
            if exc.missing:
                return None
            raise


def put_release_object(
    store: ObjectStore, bucket: str, key: str, data: bytes, content_type: str, terms: LockTerms
) -> str | None:
    """Write one release object, retained when the store can; its version id or None."""
    if isinstance(store, LockingStore):
        return store.put_locked(bucket, key, data, content_type, terms)
    store.put(bucket, key, data, content_type=content_type)
    return None


def lock_record(terms: LockTerms, versions: dict[str, str | None]) -> bytes:
    """``lock.json``: the retention and the version id of every object written."""
    body = {**terms.to_dict(), "versions": dict(sorted(versions.items()))}
    return (json.dumps(body, indent=2) + "\n").encode()


def pinned_versions(data: bytes | None) -> dict[str, str]:
    """Version ids from a ``lock.json`` (empty when absent or without versions)."""
    if not data:
        return {}
    return {k: v for k, v in json.loads(data).get("versions", {}).items() if v}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def release_pins(store: ObjectStore, bucket: str, prefix: str) -> dict[str, str]:
    """The pinned version of each path of a release (empty on a store without versions)."""
    if not isinstance(store, LockingStore) or store.head(bucket, prefix + LOCK) is None:
        return {}
    return pinned_versions(store.get(bucket, prefix + LOCK))


def read_released(store: ObjectStore, bucket: str, key: str, version: str | None) -> bytes | None:
    """The released bytes of one object (its pinned version when known), None if missing."""
    try:
        if version is not None and isinstance(store, LockingStore):
            return store.get_version(bucket, key, version)
        return store.get(bucket, key)
    except StoreError as exc:
        if exc.missing:
            return None
        raise
