"""Releases cannot be replaced: create-only writes, a claim first, the oldest lock as anchor.

`VersionedStore` behaves as the object-locked bucket does for whoever may write it (the
releaser role): a plain put stacks a new version, a create-only put refuses a taken key,
and no version is ever deleted.
"""

from __future__ import annotations

import json

import pytest

from assay.govern.releases import (
    LockingStore,
    ReleaseExists,
    create_release,
    read_manifest,
    verify_release,
)
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, KEY, TERMS, VersionedStore, request

PREFIX = "process_params/1.0.0/"
DRAFT = "_drafts/process_params/1.0.0/"


def forge(store: MemoryStore, path: str, data: bytes) -> None:
    store.put(BUCKETS.releases, PREFIX + path, data)


def test_the_twin_is_a_locking_store(versioned: VersionedStore) -> None:
    assert isinstance(versioned, LockingStore)


def test_lock_records_the_manifest_and_every_version(
    versioned: VersionedStore, params: Contract
) -> None:
    release = create_release(versioned, BUCKETS, request(params), KEY, TERMS)
    lock = json.loads(versioned.get(BUCKETS.releases, PREFIX + "lock.json"))
    manifest = versioned.get(BUCKETS.releases, PREFIX + "manifest.json")
    assert lock["manifest_sha256"] == __import__("hashlib").sha256(manifest).hexdigest()
    assert lock["versions"] == release.versions and None not in release.versions.values()
    result = verify_release(versioned, BUCKETS.releases, "process_params", "1.0.0")
    assert result.intact and result.pinned and not result.tampered


def test_replacing_manifest_data_and_lock_is_reported_and_the_original_still_reads(
    versioned: VersionedStore, params: Contract
) -> None:
    release = create_release(versioned, BUCKETS, request(params), KEY, TERMS)
    original = release.manifest
    victim = original["files"][0]["path"]
    forged_data = b"PAR1 forged rows PAR1"
    forged = {
        **original,
        "files": [
            {
                **original["files"][0],
                "sha256": __import__("hashlib").sha256(forged_data).hexdigest(),
                "size": len(forged_data),
                "rows": None,
            }
        ],
        "documents": [],
    }
    forge(versioned, victim, forged_data)
    forge(versioned, "manifest.json", json.dumps(forged).encode())
    vids = {victim: versioned.current_version(BUCKETS.releases, PREFIX + victim)}
    forge(versioned, "lock.json", json.dumps({"versions": vids}).encode())

    result = verify_release(versioned, BUCKETS.releases, "process_params", "1.0.0")
    assert result.ok and result.tampered and not result.intact
    assert set(result.shadowed) == {victim, "manifest.json", "lock.json"}
    assert len(result.checked) == len(original["files"]) + len(original["documents"])  # all
    assert read_manifest(versioned, BUCKETS.releases, "process_params", "1.0.0") == original


def test_a_second_creation_stops_at_the_claim_and_writes_nothing(
    versioned: VersionedStore, params: Contract
) -> None:
    claim = {"contract": "process_params", "version": "1.0.0"}
    versioned.create(BUCKETS.releases, DRAFT + "claim.json", json.dumps(claim).encode())
    with pytest.raises(ReleaseExists) as err:
        create_release(versioned, BUCKETS, request(params), KEY, TERMS)
    assert (err.value.version, err.value.path) == ("1.0.0", "claim.json")
    assert versioned.keys(BUCKETS.releases) == [DRAFT + "claim.json"]


def test_a_squatted_key_stops_the_creation(store: MemoryStore, params: Contract) -> None:
    forge(store, "README.md", b"# not ours")
    with pytest.raises(ReleaseExists) as err:
        create_release(store, BUCKETS, request(params), KEY, TERMS)
    assert err.value.path == "README.md"
    assert store.get(BUCKETS.releases, PREFIX + "README.md") == b"# not ours"


def test_a_release_without_its_lock_does_not_verify(
    versioned: VersionedStore, params: Contract
) -> None:
    create_release(versioned, BUCKETS, request(params), KEY, TERMS)
    del versioned.history[(BUCKETS.releases, PREFIX + "lock.json")]
    result = verify_release(versioned, BUCKETS.releases, "process_params", "1.0.0")
    assert [(p.path, p.kind) for p in result.problems] == [("lock.json", "missing")]
