"""Approve, reject, withdraw: a draft becomes a published, locked release only by a decision.

Approving is a transaction too (the draft is laid out in `_release`):

1. the draft is checked: ``request.json`` exists, the draft manifest has the sha256 it
   recorded, every file the manifest lists has its recorded sha256 (what the approver
   approves is what was requested, byte for byte);
2. ``decision.json`` is created in the draft folder (create-only): of an approval and a
   rejection racing, or two approvals, exactly one is the decision;
3. every data file and document is copied to ``<contract>/<version>/`` create-only under
   retention, checked again as it is copied;
4. ``manifest.json`` is created there: the draft manifest plus ``approval`` (who, when,
   comment, single-steward or not, and the draft manifest's sha256, so the manifest
   recorded at the request stays verifiable inside the published one);
5. ``lock.json`` last, as before: the retention, the manifest's sha256, each version.

A run that dies after 2 is resumed by approving again as the same approver: the objects
already published are checked, the rest written. A rejection is only step 2. Withdrawing
writes ``withdrawn.json`` beside a published release (retained like it); nothing is
deleted, and reading or verifying the release warns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from assay.errors import ObjectExists, StoreError
from assay.govern.releases import _manifest
from assay.govern.releases._errors import (
    InvalidRelease,
    NotPending,
    ReleaseExists,
    ReleaseNotFound,
    ReleaseTampered,
)
from assay.govern.releases._lineage import Buckets
from assay.govern.releases._lock import LOCK, LockTerms, lock_record, put_release_object
from assay.govern.releases._masking_key import MaskingKey
from assay.govern.releases._offline import SUMS, sums_text
from assay.govern.releases._release import REQUEST, Release, ReleaseRequest, draft_release
from assay.govern.releases._status import DECISION, WITHDRAWN
from assay.govern.roles import Actor, authorize, check_approver
from assay.store.layout import draft_prefix, release_prefix
from assay.store.objects import ObjectStore

if TYPE_CHECKING:
    from assay.govern.ledger import LedgerInputs

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Decision:
    """An approval or a rejection: who, when, why."""

    actor: Actor
    at: datetime
    comment: str = ""
    single_steward: bool = False


def request_release(
    store: ObjectStore,
    buckets: Buckets,
    request: ReleaseRequest,
    key: MaskingKey,
    terms: LockTerms,
    actor: Actor,
    progress: Progress = lambda _: None,
    inputs: LedgerInputs | None = None,
) -> Release:
    """A steward's request: the draft, written for another steward to approve; ``inputs``
    are what its ledger starts from (`assay.govern.ledger.ledger_inputs`)."""
    authorize(actor, "request")
    if request.requested_by != actor.name:
        raise InvalidRelease(f"the request names {request.requested_by!r}, not {actor.name!r}")
    return draft_release(store, buckets, request, key, terms, progress, inputs)


def approve_release(
    store: ObjectStore,
    bucket: str,
    contract: str,
    version: str,
    decision: Decision,
    progress: Progress = lambda _: None,
) -> Release:
    """Publish a draft under retention: the two-person rule, then steps 1-5 above."""
    request, manifest = _pending(store, bucket, contract, version)
    check_approver(decision.actor, request["requested_by"], decision.single_steward)
    files = _manifest.checked_files(manifest)
    for entry in files:  # 1: the whole draft is as requested before anything is decided
        _draft_bytes(store, bucket, contract, version, entry)
    record = _decision_record("approved", decision, request["manifest_sha256"])
    _decide(store, bucket, contract, version, record, resume_by=decision.actor.name)
    versions = _publish_files(store, bucket, contract, version, files, terms_of(manifest), progress)
    decided = _decided(store, bucket, draft_prefix(contract, version))
    approved = {**manifest, "approval": approval_entry(decided)}
    return _publish_manifest(store, bucket, contract, version, approved, versions)


def _publish_files(
    store: ObjectStore,
    bucket: str,
    contract: str,
    version: str,
    files: list[_manifest.FileEntry],
    terms: LockTerms,
    progress: Progress,
) -> dict[str, str | None]:
    """Step 3: every file and document, checked again, created under retention."""
    prefix, versions = release_prefix(contract, version), {}
    for entry in files:
        data = _draft_bytes(store, bucket, contract, version, entry)
        versions[entry.path] = _publish(store, bucket, prefix + entry.path, data, terms)
        progress(f"published {prefix}{entry.path} ({len(data):,} bytes)")
    return versions


def _publish_manifest(
    store: ObjectStore,
    bucket: str,
    contract: str,
    version: str,
    manifest: dict[str, Any],
    versions: dict[str, str | None],
) -> Release:
    """Steps 4 and 5: the approved manifest, then the lock that pins everything."""
    prefix, terms = release_prefix(contract, version), terms_of(manifest)
    body = _manifest.dumps(manifest)
    versions = dict(versions)
    versions[_manifest.MANIFEST] = _publish(store, bucket, prefix + _manifest.MANIFEST, body, terms)
    sums = sums_text(manifest, body)  # the published manifest's sum: written after it
    versions[SUMS] = _publish(store, bucket, prefix + SUMS, sums, terms)
    lock = lock_record(terms, versions, _manifest.sha256(body))
    _publish(store, bucket, prefix + LOCK, lock, terms)
    return Release(bucket, prefix, manifest, versions)


def reject_release(
    store: ObjectStore, bucket: str, contract: str, version: str, decision: Decision
) -> dict[str, Any]:
    """Record a rejection of a pending draft (its objects stay, unpublished); the record."""
    authorize(decision.actor, "reject")
    if not decision.comment.strip():
        raise InvalidRelease("a rejection says why: give a comment")
    request, _ = _pending(store, bucket, contract, version)
    record = _decision_record("rejected", decision, request["manifest_sha256"])
    _decide(store, bucket, contract, version, record, resume_by=None)
    return record


def withdraw_release(
    store: ObjectStore, bucket: str, contract: str, version: str, actor: Actor, reason: str
) -> dict[str, Any]:
    """Mark a published release withdrawn (data kept, readers warned); the marker."""
    authorize(actor, "withdraw")
    if not reason.strip():
        raise InvalidRelease("a withdrawal says why: give a reason")
    manifest = _manifest.read_manifest(store, bucket, contract, version)
    record = {"withdrawn_by": actor.name, "withdrawn_at": _iso(_now()), "reason": reason}
    data = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()
    key = release_prefix(contract, version) + WITHDRAWN
    try:
        put_release_object(store, bucket, key, data, "application/json", terms_of(manifest))
    except ObjectExists as exc:
        raise NotPending(contract, version, "withdrawn already") from exc
    return record


def create_release(
    store: ObjectStore,
    buckets: Buckets,
    request: ReleaseRequest,
    key: MaskingKey,
    terms: LockTerms,
    progress: Progress = lambda _: None,
    inputs: LedgerInputs | None = None,
) -> Release:
    """Request and approve in one step, by the requester, recorded as single-steward.

    For a site with one steward (``release create --approve``) and for tests; it skips
    the role check, which the caller makes."""
    by = request.requested_by or "single-steward"
    request = request if request.requested_by else _with_requester(request, by)
    draft_release(store, buckets, request, key, terms, progress, inputs)
    decision = Decision(Actor(by, "steward"), request.created, request.comment, True)
    return approve_release(
        store, buckets.releases, request.contract.name, request.version, decision, progress
    )


def _with_requester(request: ReleaseRequest, by: str) -> ReleaseRequest:
    from dataclasses import replace

    return replace(request, requested_by=by)


def approval_entry(decision: dict[str, Any]) -> dict[str, Any]:
    """The manifest's ``approval``: the decision as recorded in ``decision.json``."""
    keys = ("by", "at", "comment", "single_steward", "draft_manifest_sha256")
    return {k: decision[k] for k in keys}


def terms_of(manifest: dict[str, Any]) -> LockTerms:
    """The retention the manifest states (set when the release was requested)."""
    lock = manifest["lock"]
    until = datetime.strptime(lock["retain_until"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return LockTerms(mode=lock["mode"], retain_until=until, days=int(lock["days"]))


def _pending(
    store: ObjectStore, bucket: str, contract: str, version: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request and the draft manifest, checked against the sha256 the request recorded."""
    draft = draft_prefix(contract, version)
    raw = _read(store, bucket, draft + REQUEST)
    if raw is None:
        raise ReleaseNotFound(contract, version, bucket, draft=True)
    request = json.loads(raw)
    manifest = _read(store, bucket, draft + _manifest.MANIFEST) or b""
    if _manifest.sha256(manifest) != request["manifest_sha256"]:
        raise ReleaseTampered(contract, version, [draft + _manifest.MANIFEST])
    return request, _manifest.loads(manifest)


def _draft_bytes(
    store: ObjectStore, bucket: str, contract: str, version: str, entry: _manifest.FileEntry
) -> bytes:
    path = draft_prefix(contract, version) + entry.path
    data = _read(store, bucket, path)
    if data is None or _manifest.sha256(data) != entry.sha256:
        raise ReleaseTampered(contract, version, [path])
    return data


def _decision_record(verdict: str, decision: Decision, draft_sha256: str) -> dict[str, Any]:
    return {
        "decision": verdict,
        "by": decision.actor.name,
        "role": decision.actor.role,
        "at": _iso(decision.at),
        "comment": decision.comment,
        "single_steward": decision.single_steward,
        "draft_manifest_sha256": draft_sha256,
    }


def _decide(
    store: ObjectStore,
    bucket: str,
    contract: str,
    version: str,
    record: dict[str, Any],
    resume_by: str | None,
) -> None:
    """Create ``decision.json``; an approval by the same approver found there resumes."""
    key = draft_prefix(contract, version) + DECISION
    data = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()
    try:
        if store.create(bucket, key, data, content_type="application/json"):
            return
    except ObjectExists:
        pass
    found = _decided(store, bucket, draft_prefix(contract, version))
    if not (found["decision"] == "approved" and found["by"] == resume_by):
        raise NotPending(contract, version, f"{found['decision']} by {found['by']} already")
    if store.head(bucket, release_prefix(contract, version) + LOCK) is not None:
        raise ReleaseExists(contract, version, LOCK)


def _decided(store: ObjectStore, bucket: str, draft: str) -> dict[str, Any]:
    decided: dict[str, Any] = json.loads(_read(store, bucket, draft + DECISION) or b"{}")
    return decided


def _publish(
    store: ObjectStore, bucket: str, key: str, data: bytes, terms: LockTerms
) -> str | None:
    """Create one published object; an identical one from an interrupted run is kept, any
    other is `ReleaseExists` (a version is never written over)."""
    try:
        return put_release_object(store, bucket, key, data, content_type(key), terms)
    except ObjectExists as exc:
        if _read(store, bucket, key) != data:
            contract, version, path = key.split("/", 2)
            raise ReleaseExists(contract, version, path) from exc
        return _current(store, bucket, key)


def content_type(key: str) -> str:
    """What a release object is served as, by its name."""
    if key.endswith(".parquet"):
        return "application/vnd.apache.parquet"
    if key.endswith(".md"):
        return "text/markdown; charset=utf-8"
    return "application/ld+json" if key.endswith("croissant.json") else "application/json"


def _current(store: ObjectStore, bucket: str, key: str) -> str | None:
    from assay.govern.releases._lock import LockingStore

    return store.current_version(bucket, key) if isinstance(store, LockingStore) else None


def _read(store: ObjectStore, bucket: str, key: str) -> bytes | None:
    try:
        return store.get(bucket, key)
    except StoreError as exc:
        if exc.missing:
            return None
        raise


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
