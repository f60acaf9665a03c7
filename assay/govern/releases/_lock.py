"""Immutability: release objects written once, under S3 object-lock retention, pinned by version.

What "cannot be replaced" means on a versioned, object-locked bucket:

* every object of a release is written create-only (``If-None-Match: *``): the server
  refuses the write if the key holds an object already, atomically, so of two runs
  creating one version only one gets past its first write (``claim.json``);
* every version written carries a retention (COMPLIANCE by default, so nobody — not even
  the root account — can shorten it) until ``created + N days``, and no role may delete
  (`assay.govern.access`): the released versions stay, byte for byte;
* whoever may write the bucket can still PUT without the condition — no S3 policy on
  Versity Gateway v1.8.0 can demand it — and so stack a *new* version on any key,
  ``lock.json`` included. ``lock.json``, written last, records the version id of every
  object and the manifest's sha256, so verification reads its OLDEST version: a forged
  lock, manifest and data are newer versions on top, and the oldest lock still names
  the released bytes. Keys whose current version is not the released one are reported
  as ``shadowed`` (and `open_release` refuses a shadowed release).

Stores without versions (``MemoryStore`` in unit tests) get create-only plain writes and
no pins.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from assay.errors import ObjectExists, StoreError
from assay.store.objects import ObjectStore, S3Store, _translated

LOCK = "lock.json"
CLAIM = "claim.json"
_S3 = "{http://s3.amazonaws.com/doc/2006-03-01/}"


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
    """An object store that writes retained objects once and reads pinned versions."""

    def put_locked(
        self, bucket: str, key: str, data: bytes, content_type: str, terms: LockTerms
    ) -> str | None:
        """Create an object version under retention (`ObjectExists` if the key is taken)."""

    def get_version(self, bucket: str, key: str, version_id: str) -> bytes:
        """Read one version of an object."""

    def current_version(self, bucket: str, key: str) -> str | None:
        """The version id a plain GET returns now, or None if the key is deleted."""

    def versions(self, bucket: str, key: str) -> list[str]:
        """Version ids of one key (delete markers left out), oldest first."""


class LockedS3Store(S3Store):
    """`S3Store` plus create-only object-lock writes and version reads (minio SDK)."""

    def put_locked(
        self, bucket: str, key: str, data: bytes, content_type: str, terms: LockTerms
    ) -> str | None:
        from minio.helpers import genheaders
        from minio.retention import COMPLIANCE, GOVERNANCE, Retention

        mode = COMPLIANCE if terms.mode == "COMPLIANCE" else GOVERNANCE
        headers = genheaders(None, None, None, Retention(mode, terms.retain_until), False)
        headers |= {"Content-Type": content_type, "If-None-Match": "*"}
        with _translated(bucket, key):
            # put_object cannot send If-None-Match (it would go out as user metadata).
            result = self.client._put_object(bucket, key, data, headers)
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

    def versions(self, bucket: str, key: str) -> list[str]:
        # Parsed by hand: the gateway's timestamps have nanoseconds, which the minio SDK's
        # version listing cannot parse. S3 lists a key's versions newest first.
        found: list[str] = []
        query: dict[str, str | list[str] | tuple[str]] = {"versions": "", "prefix": key}
        while True:
            with _translated(bucket, key):
                body = self.client._execute("GET", bucket, query_params=query).data
            page = ET.fromstring(body)
            found += [
                v.findtext(f"{_S3}VersionId") or ""
                for v in page.iter(f"{_S3}Version")
                if v.findtext(f"{_S3}Key") == key
            ]
            if page.findtext(f"{_S3}IsTruncated") != "true":
                return found[::-1]
            query = {**query, "key-marker": page.findtext(f"{_S3}NextKeyMarker") or ""}
            query["version-id-marker"] = page.findtext(f"{_S3}NextVersionIdMarker") or ""


def put_release_object(
    store: ObjectStore, bucket: str, key: str, data: bytes, content_type: str, terms: LockTerms
) -> str | None:
    """Create one release object, retained when the store can; its version id or None.

    `ObjectExists` when the key holds an object already: a release is never written over.
    """
    if isinstance(store, LockingStore):
        return store.put_locked(bucket, key, data, content_type, terms)
    if store.head(bucket, key) is not None:
        raise ObjectExists(bucket, key)
    store.put(bucket, key, data, content_type=content_type)
    return None


def lock_record(terms: LockTerms, versions: dict[str, str | None], manifest_sha256: str) -> bytes:
    """``lock.json``: the retention, the manifest's sha256 and each object's version id."""
    body = {
        **terms.to_dict(),
        "manifest_sha256": manifest_sha256,
        "versions": dict(sorted(versions.items())),
    }
    return (json.dumps(body, indent=2) + "\n").encode()


@dataclass(frozen=True)
class Pins:
    """What the oldest ``lock.json`` of a release says; empty without one."""

    versions: dict[str, str] = field(default_factory=dict)
    manifest_sha256: str | None = None
    lock_version: str | None = None

    @classmethod
    def loads(cls, data: bytes, lock_version: str | None) -> Pins:
        """Parse a ``lock.json`` (locks written before the manifest sha256 have none)."""
        body = json.loads(data)
        versions = {k: v for k, v in body.get("versions", {}).items() if v}
        return cls(versions, body.get("manifest_sha256"), lock_version)


def release_pins(store: ObjectStore, bucket: str, prefix: str) -> Pins:
    """The pins of a release from its OLDEST ``lock.json`` (newer ones may be forged)."""
    if not isinstance(store, LockingStore):
        return Pins()
    versions = store.versions(bucket, prefix + LOCK)
    if not versions:
        return Pins()
    return Pins.loads(store.get_version(bucket, prefix + LOCK, versions[0]), versions[0])


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


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
