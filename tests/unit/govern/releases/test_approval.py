"""The approval workflow: a draft, a second steward's decision, a locked release, a withdrawal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.govern.releases import (
    Decision,
    InvalidRelease,
    NotPending,
    ReleaseTampered,
    approve_release,
    create_release,
    draft_release,
    list_releases,
    read_manifest,
    reject_release,
    release_status,
    request_release,
    verify_release,
    withdraw_release,
)
from assay.govern.releases._manifest import dumps, sha256
from assay.govern.releases._verify import check_approval
from assay.govern.roles import Actor, NotPermitted
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, KEY, TERMS, VersionedStore, request

ALICE, BOB = Actor("alice", "steward"), Actor("bob", "steward")
ROOT, VIEWER = Actor("root", "admin"), Actor("vera", "viewer")
LATER = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
DRAFT = "_drafts/process_params/1.0.0/"


def asked(store: MemoryStore, params: Contract, **overrides: Any) -> None:
    ask = request(params, requested_by="alice", comment="March for base A", **overrides)
    request_release(store, BUCKETS, ask, KEY, TERMS, ALICE)


def approve(store: MemoryStore, actor: Actor = BOB, single: bool = False) -> Any:
    decision = Decision(actor, LATER, "checked the card", single)
    return approve_release(store, BUCKETS.releases, "process_params", "1.0.0", decision)


def test_a_request_is_a_draft_nobody_lists_by_default(
    versioned: VersionedStore, params: Contract
) -> None:
    asked(versioned, params)
    assert list_releases(versioned, BUCKETS.releases) == []
    [info] = list_releases(versioned, BUCKETS.releases, drafts=True)
    assert (info.state, info.requested_by, info.approved_by) == ("draft", "alice", None)
    assert not any(k.startswith("process_params/") for k in versioned.keys(BUCKETS.releases))


def test_a_second_steward_publishes_it_locked_with_the_record(
    versioned: VersionedStore, params: Contract
) -> None:
    asked(versioned, params)
    release = approve(versioned)
    manifest = read_manifest(versioned, BUCKETS.releases, "process_params", "1.0.0")
    assert manifest == release.manifest
    assert manifest["request"] == {
        "by": "alice",
        "at": "2026-03-10T12:00:00Z",
        "comment": "March for base A",
    }
    approval = manifest["approval"]
    assert (approval["by"], approval["at"], approval["single_steward"]) == (
        "bob",
        "2026-03-11T09:00:00Z",
        False,
    )
    recorded = json.loads(versioned.get(BUCKETS.releases, DRAFT + "request.json"))
    assert approval["draft_manifest_sha256"] == recorded["manifest_sha256"]
    result = verify_release(versioned, BUCKETS.releases, "process_params", "1.0.0")
    assert result.intact and result.pinned and result.withdrawal is None
    [info] = list_releases(versioned, BUCKETS.releases)
    assert (info.state, info.requested_by, info.approved_by) == ("published", "alice", "bob")


def test_the_requester_cannot_approve_unless_single_steward(
    store: MemoryStore, params: Contract
) -> None:
    asked(store, params)
    with pytest.raises(NotPermitted) as refused:
        approve(store, ALICE)
    assert (refused.value.actor, refused.value.action) == ("alice", "approve")
    assert release_status(store, BUCKETS.releases, "process_params", "1.0.0").state == "draft"
    assert approve(store, ALICE, single=True).manifest["approval"]["single_steward"] is True


def test_a_viewer_can_neither_request_nor_approve(store: MemoryStore, params: Contract) -> None:
    with pytest.raises(NotPermitted):
        request_release(store, BUCKETS, request(params, requested_by="vera"), KEY, TERMS, VIEWER)
    asked(store, params)
    with pytest.raises(NotPermitted) as refused:
        approve(store, VIEWER)
    assert refused.value.role == "viewer"


def test_a_rejection_needs_a_comment_and_ends_the_request(
    store: MemoryStore, params: Contract
) -> None:
    asked(store, params)
    with pytest.raises(InvalidRelease):
        reject_release(store, BUCKETS.releases, "process_params", "1.0.0", Decision(BOB, LATER))
    reject_release(
        store, BUCKETS.releases, "process_params", "1.0.0", Decision(BOB, LATER, "grants L3")
    )
    status = release_status(store, BUCKETS.releases, "process_params", "1.0.0")
    assert status.state == "rejected" and status.decision is not None
    assert status.decision["comment"] == "grants L3"
    with pytest.raises(NotPending) as late:
        approve(store)
    assert late.value.state == "rejected by bob already"


def test_a_draft_changed_after_the_request_is_not_published(
    store: MemoryStore, params: Contract
) -> None:
    asked(store, params)
    path = next(k for k in store.keys(BUCKETS.releases, DRAFT + "data/"))
    store.put(BUCKETS.releases, path, b"PAR1 swapped PAR1")
    with pytest.raises(ReleaseTampered) as refused:
        approve(store)
    assert refused.value.paths == [path]
    assert store.keys(BUCKETS.releases, "process_params/") == []


def test_an_interrupted_approval_resumes_and_a_second_one_is_refused(
    versioned: VersionedStore, params: Contract
) -> None:
    asked(versioned, params)
    first = approve(versioned)
    with pytest.raises(NotPending):
        approve(versioned, ROOT)
    del versioned.objects[(BUCKETS.releases, "process_params/1.0.0/lock.json")]
    del versioned.history[(BUCKETS.releases, "process_params/1.0.0/lock.json")]
    assert approve(versioned).manifest == first.manifest  # the same approver finishes it


def test_withdrawal_is_for_admins_keeps_the_data_and_warns(
    versioned: VersionedStore, params: Contract
) -> None:
    create_release(versioned, BUCKETS, request(params, requested_by="alice"), KEY, TERMS)
    with pytest.raises(NotPermitted):
        withdraw_release(versioned, BUCKETS.releases, "process_params", "1.0.0", ALICE, "PIPL")
    with pytest.raises(InvalidRelease):
        withdraw_release(versioned, BUCKETS.releases, "process_params", "1.0.0", ROOT, " ")
    withdraw_release(versioned, BUCKETS.releases, "process_params", "1.0.0", ROOT, "PIPL erasure")
    result = verify_release(versioned, BUCKETS.releases, "process_params", "1.0.0")
    assert result.intact and result.withdrawal is not None
    assert result.withdrawal["reason"] == "PIPL erasure"
    status = release_status(versioned, BUCKETS.releases, "process_params", "1.0.0")
    assert status.state == "withdrawn" and "PIPL erasure" in status.warnings[0]
    with pytest.raises(NotPending):
        withdraw_release(versioned, BUCKETS.releases, "process_params", "1.0.0", ROOT, "again")


def test_the_licence_is_chosen_explicitly(store: MemoryStore, params: Contract) -> None:
    with pytest.raises(InvalidRelease) as refused:
        draft_release(store, BUCKETS, request(params, licence="", requested_by="a"), KEY, TERMS)
    assert "CC-BY-4.0" in str(refused.value) and "CDLA-Permissive-2.0" in str(refused.value)
    assert store.keys(BUCKETS.releases) == []


def test_create_release_records_a_single_steward_approval(
    store: MemoryStore, params: Contract
) -> None:
    manifest = create_release(store, BUCKETS, request(params), KEY, TERMS).manifest
    assert manifest["approval"]["single_steward"] is True
    assert manifest["approval"]["by"] == manifest["request"]["by"]


manifests = st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda k: k != "approval"),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=5),
    min_size=1,
    max_size=5,
)


@given(manifests, st.text(), st.text())
def test_the_requested_manifest_stays_verifiable_inside_the_approved_one(
    manifest: dict[str, Any], comment: str, changed: str
) -> None:
    approval = {"by": "bob", "comment": comment, "draft_manifest_sha256": sha256(dumps(manifest))}
    approved = json.loads(dumps({**manifest, "approval": approval}))
    assert check_approval(approved) == []
    key = next(iter(manifest))
    altered = {**approved, key: [manifest[key], changed]}
    assert [p.kind for p in check_approval(altered)] == ["approval"]
