"""Where a version stands: drafted, rejected, published or withdrawn, with its records.

The console's release page and ``assay release show`` / ``ls`` read this one view: the
request, the decision and the withdrawal as recorded, beside the manifest (the published
one when there is one, else the draft's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from assay.errors import StoreError
from assay.govern.releases import _manifest
from assay.govern.releases._errors import ReleaseNotFound
from assay.govern.releases._lock import LockingStore
from assay.govern.releases._release import REQUEST
from assay.store.layout import DRAFTS, draft_prefix, release_prefix
from assay.store.objects import ObjectStore

DECISION = "decision.json"
WITHDRAWN = "withdrawn.json"
State = Literal["draft", "rejected", "approved", "published", "withdrawn"]


@dataclass(frozen=True)
class ReleaseStatus:
    """One version: its state, manifest, request, decision and withdrawal."""

    contract: str
    version: str
    state: State
    manifest: dict[str, Any]
    request: dict[str, Any]
    decision: dict[str, Any] | None = None
    withdrawal: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)


def release_status(store: ObjectStore, bucket: str, contract: str, version: str) -> ReleaseStatus:
    """The published release if there is one, else the draft; `ReleaseNotFound` if neither."""
    try:
        manifest = _manifest.read_manifest(store, bucket, contract, version)
    except ReleaseNotFound:
        return _draft_status(store, bucket, contract, version)
    gone = withdrawal(store, bucket, contract, version)
    return ReleaseStatus(
        contract,
        version,
        "withdrawn" if gone else "published",
        manifest,
        manifest.get("request", {}),
        manifest.get("approval"),
        gone,
        [withdrawn_warning(contract, version, gone)] if gone else [],
    )


def _draft_status(store: ObjectStore, bucket: str, contract: str, version: str) -> ReleaseStatus:
    draft = draft_prefix(contract, version)
    request = _json(store, bucket, draft + REQUEST)
    if request is None:
        raise ReleaseNotFound(contract, version, bucket)
    manifest = _json(store, bucket, draft + _manifest.MANIFEST) or {}
    decision = _json(store, bucket, draft + DECISION)
    state: State = decision["decision"] if decision else "draft"
    return ReleaseStatus(contract, version, state, manifest, request, decision)


def withdrawal(
    store: ObjectStore, bucket: str, contract: str, version: str
) -> dict[str, Any] | None:
    """The withdraw marker of a published release (its first version), or None."""
    key = release_prefix(contract, version) + WITHDRAWN
    if isinstance(store, LockingStore):
        versions = store.versions(bucket, key)
        return json.loads(store.get_version(bucket, key, versions[0])) if versions else None
    return _json(store, bucket, key)


def withdrawn_warning(contract: str, version: str, marker: dict[str, Any]) -> str:
    """The one-line warning every reader of a withdrawn release gets."""
    return (
        f"release {contract} {version} was withdrawn by {marker.get('withdrawn_by')} at "
        f"{marker.get('withdrawn_at')}: {marker.get('reason')} (its data is kept as released)"
    )


def draft_versions(store: ObjectStore, bucket: str, contract: str | None) -> list[tuple[str, str]]:
    """(contract, version) of every complete draft (of one contract, or all)."""
    found = []
    for key in store.keys(bucket, DRAFTS + (f"{contract}/" if contract else "")):
        parts = key[len(DRAFTS) :].split("/")
        if len(parts) == 3 and parts[2] == REQUEST:
            found.append((parts[0], parts[1]))
    return found


def _json(store: ObjectStore, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        parsed: dict[str, Any] = json.loads(store.get(bucket, key))
    except StoreError as exc:
        if exc.missing:
            return None
        raise
    return parsed
