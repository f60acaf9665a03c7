"""Object versions: what retention needs to see and remove in versioned buckets.

Every pipeline bucket is versioned, so a plain DELETE only hides an object behind a delete
marker and a rewrite keeps the bytes it replaced. Removing data for good means listing
each key's versions and deleting them one by one, by version id.

The listing is parsed here rather than by the minio SDK: Versity Gateway's timestamps carry
nanoseconds, which the SDK's version listing cannot parse.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

_S3 = "{http://s3.amazonaws.com/doc/2006-03-01/}"


@dataclass(frozen=True)
class ObjectVersion:
    """One version of an object in a versioned bucket (a delete marker is one too)."""

    key: str
    version_id: str
    modified: datetime
    latest: bool
    delete_marker: bool = False


class Versioned(Protocol):
    """What a store adds to be a `VersionedStore` (see ``assay.store.objects``)."""

    def list_versions(self, bucket: str, prefix: str = "") -> list[ObjectVersion]:
        """Every version and delete marker under ``prefix``, by key, newest first."""

    def remove_version(self, bucket: str, key: str, version_id: str) -> None:
        """Remove one version for good (no delete marker); a missing one is not an error."""


def parse_page(body: bytes) -> tuple[list[ObjectVersion], dict[str, str] | None]:
    """One ``ListObjectVersions`` answer: its versions and markers, and the query for the
    next page (None on the last)."""
    page = ET.fromstring(body)
    found = [
        _version(item, marker=item.tag == f"{_S3}DeleteMarker")
        for item in page
        if item.tag in (f"{_S3}Version", f"{_S3}DeleteMarker")
    ]
    if page.findtext(f"{_S3}IsTruncated") != "true":
        return found, None
    return found, {
        "key-marker": page.findtext(f"{_S3}NextKeyMarker") or "",
        "version-id-marker": page.findtext(f"{_S3}NextVersionIdMarker") or "",
    }


def _version(item: ET.Element, *, marker: bool) -> ObjectVersion:
    return ObjectVersion(
        key=item.findtext(f"{_S3}Key") or "",
        version_id=item.findtext(f"{_S3}VersionId") or "null",
        modified=parse_time(item.findtext(f"{_S3}LastModified") or ""),
        latest=(item.findtext(f"{_S3}IsLatest") or "").lower() == "true",
        delete_marker=marker,
    )


def parse_time(text: str) -> datetime:
    """An S3 timestamp (``2026-03-01T12:00:00.123456789Z``) to the microsecond; the epoch if
    there is none."""
    if not text:
        return datetime.fromtimestamp(0, UTC)
    stamp, _, fraction = text.rstrip("Z").partition(".")
    moment = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
    micros = int((fraction + "000000")[:6]) if fraction.isdigit() else 0
    return moment.replace(microsecond=micros)


def by_key(versions: list[ObjectVersion]) -> dict[str, list[ObjectVersion]]:
    """Versions grouped by key, each group newest first (the listing's order)."""
    grouped: dict[str, list[ObjectVersion]] = {}
    for version in versions:
        grouped.setdefault(version.key, []).append(version)
    return grouped


def remove_every_version(store: Versioned, bucket: str, key: str) -> None:
    """Remove an object for good: older versions first, since removing the current one first
    would bring an older one back."""
    versions = [v for v in store.list_versions(bucket, key) if v.key == key]
    for version in reversed(versions):
        store.remove_version(bucket, key, version.version_id)
