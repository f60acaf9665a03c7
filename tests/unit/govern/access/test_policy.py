"""The bucket policies: who may do what where, as pure data."""

from __future__ import annotations

from typing import Any

import pytest

from assay.config import Settings
from assay.govern.access import CLAIMS_PREFIX, Principals, bucket_policies, pilot_role

BUCKETS = Settings().buckets
KEYS = Principals(
    edge="k-edge", pipeline="k-pipe", steward="k-steward", pilots={"base_a": "k-a", "base_b": "k-b"}
)
GRANTS = {"base_a": ["energy_meter"], "base_b": ["process_params", "energy_meter"]}


def allowed(policy: dict[str, Any], principal: str, action: str, resource: str) -> bool:
    """A small model of the evaluation: any matching Deny wins, else any matching Allow."""
    from fnmatch import fnmatchcase

    effects = [
        s["Effect"]
        for s in policy["Statement"]
        if principal in s["Principal"]["AWS"]
        and action in s["Action"]
        and any(fnmatchcase(resource, r) for r in s["Resource"])
    ]
    return "Deny" not in effects and "Allow" in effects


@pytest.fixture(scope="module")
def policies() -> dict[str, dict[str, Any]]:
    return bucket_policies(BUCKETS, KEYS, GRANTS)


def arn(bucket: str, key: str = "") -> str:
    return f"arn:aws:s3:::{BUCKETS[bucket]}" + (f"/{key}" if key else "")


def test_every_bucket_has_a_policy(policies: dict[str, dict[str, Any]]) -> None:
    assert set(policies) == set(BUCKETS.values())
    for policy in policies.values():
        assert policy["Version"] == "2012-10-17"
        sids = [s["Sid"] for s in policy["Statement"]]
        assert len(sids) == len(set(sids))
        for statement in policy["Statement"]:
            # the server checks that each resource starts with the policy's bucket
            assert all(r.startswith("arn:aws:s3:::assay-") for r in statement["Resource"])


@pytest.mark.parametrize("bucket", ["raw", "curated", "quarantine", "deadletter", "reports"])
def test_pipeline_reads_and_writes_its_buckets(policies: dict[str, Any], bucket: str) -> None:
    policy = policies[BUCKETS[bucket]]
    assert allowed(policy, "k-pipe", "s3:ListBucket", arn(bucket))
    assert allowed(policy, "k-pipe", "s3:PutObject", arn(bucket, "x/y.parquet"))
    assert allowed(policy, "k-pipe", "s3:GetObject", arn(bucket, "x/y.parquet"))
    assert not allowed(policy, "k-pipe", "s3:DeleteObject", arn(bucket, "x/y.parquet"))


def test_pipeline_adds_releases_but_never_deletes(policies: dict[str, Any]) -> None:
    policy = policies[BUCKETS["releases"]]
    assert allowed(policy, "k-pipe", "s3:PutObject", arn("releases", "energy_meter/1.0.0/a"))
    assert allowed(policy, "k-pipe", "s3:PutObjectRetention", arn("releases", "energy_meter/x"))
    for key in ("k-pipe", "k-steward", "k-edge", "k-a", "k-b"):
        for action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
            assert not allowed(policy, key, action, arn("releases", "energy_meter/1.0.0/a"))
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert sorted(denies[0]["Principal"]["AWS"]) == KEYS.all()


@pytest.mark.parametrize("bucket", ["reports", "quarantine", "curated"])
def test_steward_reads_but_never_writes(policies: dict[str, Any], bucket: str) -> None:
    policy = policies[BUCKETS[bucket]]
    assert allowed(policy, "k-steward", "s3:GetObject", arn(bucket, "a"))
    assert allowed(policy, "k-steward", "s3:ListBucket", arn(bucket))
    assert not allowed(policy, "k-steward", "s3:PutObject", arn(bucket, "a"))


@pytest.mark.parametrize("bucket", ["raw", "deadletter", "releases"])
def test_steward_sees_nothing_else(policies: dict[str, Any], bucket: str) -> None:
    assert not allowed(policies[BUCKETS[bucket]], "k-steward", "s3:GetObject", arn(bucket, "a"))


def test_edge_only_puts_claims(policies: dict[str, Any]) -> None:
    raw = policies[BUCKETS["raw"]]
    assert allowed(raw, "k-edge", "s3:PutObject", arn("raw", f"{CLAIMS_PREFIX}vi/1.png"))
    assert not allowed(raw, "k-edge", "s3:PutObject", arn("raw", "energy_meter/v1/x"))
    assert not allowed(raw, "k-edge", "s3:GetObject", arn("raw", f"{CLAIMS_PREFIX}vi/1.png"))
    assert not allowed(raw, "k-edge", "s3:ListBucket", arn("raw"))
    others = [p for b, p in policies.items() if b != BUCKETS["raw"]]
    for policy in others:
        assert not any(
            "k-edge" in s["Principal"]["AWS"] for s in policy["Statement"] if s["Effect"] == "Allow"
        )


def test_pilots_read_only_their_granted_releases(policies: dict[str, Any]) -> None:
    releases = policies[BUCKETS["releases"]]
    assert allowed(releases, "k-a", "s3:GetObject", arn("releases", "energy_meter/1.0.0/m.json"))
    assert not allowed(releases, "k-a", "s3:GetObject", arn("releases", "process_params/1.0.0/m"))
    assert allowed(releases, "k-b", "s3:GetObject", arn("releases", "process_params/1.0.0/m"))
    assert not allowed(releases, "k-a", "s3:PutObject", arn("releases", "energy_meter/x"))
    lists = [
        s
        for s in releases["Statement"]
        if "k-a" in s["Principal"]["AWS"] and s["Action"] == ["s3:ListBucket"]
    ]
    assert [s["Condition"] for s in lists] == [{"StringLike": {"s3:prefix": ["energy_meter/*"]}}]
    for bucket in ("raw", "curated", "quarantine", "deadletter", "reports"):
        assert not allowed(policies[BUCKETS[bucket]], "k-a", "s3:GetObject", arn(bucket, "a"))


def test_no_grants_no_pilot_statements() -> None:
    keys = Principals(edge="e", pipeline="p", steward="s", pilots={})
    releases = bucket_policies(BUCKETS, keys, {})[BUCKETS["releases"]]
    assert {"e", "p", "s"} >= {k for s in releases["Statement"] for k in s["Principal"]["AWS"]}


def test_policies_are_deterministic() -> None:
    again = {"base_b": ["energy_meter", "process_params"], "base_a": ["energy_meter"]}
    assert bucket_policies(BUCKETS, KEYS, GRANTS) == bucket_policies(BUCKETS, KEYS, again)


@pytest.mark.parametrize("name", ["", "Base", "a b", "../x", "x" * 41, "base\n"])
def test_bad_pilot_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        pilot_role(name)
