"""The bucket policies: who may do what where, as pure data."""

from __future__ import annotations

from typing import Any

import pytest

from assay.config import Settings
from assay.govern.access import (
    CLAIMS_PREFIX,
    Principals,
    bucket_policies,
    identity_policies,
    pilot_role,
)

BUCKETS = Settings().buckets
KEYS = Principals(
    edge="k-edge",
    pipeline="k-pipe",
    releaser="k-rel",
    steward="k-steward",
    pilots={"base_a": "k-a", "base_b": "k-b"},
)
ROLE_KEYS = ("k-edge", "k-pipe", "k-rel", "k-steward", "k-a", "k-b")
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


def test_pipeline_cannot_touch_releases(policies: dict[str, Any]) -> None:
    policy = policies[BUCKETS["releases"]]
    for action in ("s3:GetObject", "s3:PutObject", "s3:ListBucket"):
        assert not allowed(policy, "k-pipe", action, arn("releases", "energy_meter/1.0.0/a"))
        assert not allowed(policy, "k-pipe", action, arn("releases"))


def test_releaser_adds_releases_and_reads_what_they_are_made_of(policies: dict[str, Any]) -> None:
    releases = policies[BUCKETS["releases"]]
    assert allowed(releases, "k-rel", "s3:PutObject", arn("releases", "energy_meter/1.0.0/a"))
    assert allowed(releases, "k-rel", "s3:PutObjectRetention", arn("releases", "energy_meter/x"))
    assert allowed(releases, "k-rel", "s3:GetObjectVersion", arn("releases", "energy_meter/x"))
    for bucket in ("raw", "curated", "quarantine", "reports"):  # the ledger lists raw
        assert allowed(policies[BUCKETS[bucket]], "k-rel", "s3:ListBucket", arn(bucket))
        assert allowed(policies[BUCKETS[bucket]], "k-rel", "s3:GetObject", arn(bucket, "a/b"))
    reports = policies[BUCKETS["reports"]]
    assert allowed(reports, "k-rel", "s3:PutObject", arn("reports", "readiness/em/1.0.0/r.pdf"))
    assert not allowed(reports, "k-rel", "s3:PutObject", arn("reports", "energy_meter/v1/x"))
    for bucket in ("raw", "curated", "quarantine", "deadletter"):
        assert not allowed(policies[BUCKETS[bucket]], "k-rel", "s3:PutObject", arn(bucket, "x"))
    dead = policies[BUCKETS["deadletter"]]
    assert not allowed(dead, "k-rel", "s3:GetObject", arn("deadletter", "y"))


@pytest.mark.parametrize("bucket", list(BUCKETS))
def test_no_role_deletes_anywhere_but_retention_removes_versions(
    policies: dict[str, Any], bucket: str
) -> None:
    policy, where = policies[BUCKETS[bucket]], arn(bucket, "energy_meter/1.0.0/a")
    expiring = bucket in ("raw", "deadletter", "quarantine", "curated")
    for key in ROLE_KEYS:
        assert not allowed(policy, key, "s3:DeleteObject", where)
        assert not allowed(policy, key, "s3:BypassGovernanceRetention", where)
        may = expiring and key == "k-pipe"
        assert allowed(policy, key, "s3:DeleteObjectVersion", where) is may, key
        if bucket != "releases":  # where release readers list versions to verify
            assert allowed(policy, key, "s3:ListBucketVersions", arn(bucket)) is may, key
    denied = {
        k for s in policy["Statement"] if s["Effect"] == "Deny" for k in s["Principal"]["AWS"]
    }
    assert sorted(denied) == KEYS.all() == sorted(ROLE_KEYS)


@pytest.mark.parametrize("bucket", ["raw", "deadletter", "reports", "quarantine", "curated"])
def test_steward_reads_but_never_writes(policies: dict[str, Any], bucket: str) -> None:
    policy = policies[BUCKETS[bucket]]
    assert allowed(policy, "k-steward", "s3:GetObject", arn(bucket, "a"))
    assert allowed(policy, "k-steward", "s3:ListBucket", arn(bucket))
    assert not allowed(policy, "k-steward", "s3:PutObject", arn(bucket, "a"))


def test_steward_writes_decisions_and_accepted_rows_only(policies: dict[str, Any]) -> None:
    quarantine, curated = policies[BUCKETS["quarantine"]], policies[BUCKETS["curated"]]
    decision = arn("quarantine", "decisions/energy_meter/v1/20260301T000000Z-accept-ab.json")
    assert allowed(quarantine, "k-steward", "s3:PutObject", decision)
    accepted = arn("curated", "energy_meter/v1/date=2026-03-01/site=a/accepted-x.parquet")
    assert allowed(curated, "k-steward", "s3:PutObject", accepted)
    segment = arn("curated", "energy_meter/v1/date=2026-03-01/site=a/t-p0-o1.parquet")
    assert not allowed(curated, "k-steward", "s3:PutObject", segment)
    assert not allowed(
        quarantine, "k-steward", "s3:PutObject", arn("quarantine", "energy_meter/v1/x")
    )
    assert not allowed(quarantine, "k-steward", "s3:DeleteObject", decision)


def test_steward_reads_releases_and_their_versions_but_never_writes(
    policies: dict[str, Any],
) -> None:
    releases = policies[BUCKETS["releases"]]
    assert allowed(releases, "k-steward", "s3:GetObjectVersion", arn("releases", "a"))
    assert allowed(releases, "k-steward", "s3:ListBucketVersions", arn("releases"))
    assert not allowed(releases, "k-steward", "s3:PutObject", arn("releases", "a"))


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
        if "k-a" in s["Principal"]["AWS"] and "s3:ListBucket" in s["Action"]
    ]
    assert [s["Condition"] for s in lists] == [{"StringLike": {"s3:prefix": ["energy_meter/*"]}}]
    assert lists[0]["Action"] == ["s3:ListBucket", "s3:ListBucketVersions"]
    for bucket in ("raw", "curated", "quarantine", "deadletter", "reports"):
        assert not allowed(policies[BUCKETS[bucket]], "k-a", "s3:GetObject", arn(bucket, "a"))


def test_no_grants_no_pilot_statements() -> None:
    keys = Principals(edge="e", pipeline="p", releaser="r", steward="s", pilots={})
    releases = bucket_policies(BUCKETS, keys, {})[BUCKETS["releases"]]
    assert {"e", "p", "r", "s"} >= {k for s in releases["Statement"] for k in s["Principal"]["AWS"]}


ACTIONS = ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
KEYS_IN = ["a", "readiness/x/1/r.html", f"{CLAIMS_PREFIX}vi/1.png", "energy_meter/1.0.0/m"]


def test_iam_export_grants_each_role_what_the_bucket_policies_grant(
    policies: dict[str, Any],
) -> None:
    exported = identity_policies(policies, KEYS)
    roles = KEYS.roles()
    assert set(exported) == set(roles.values())
    for role_policy in exported.values():
        assert all("Principal" not in s for s in role_policy["Statement"])
        assert all(s["Sid"].isalnum() for s in role_policy["Statement"])
    for key, role in roles.items():
        mine = {"Version": "2012-10-17", "Statement": _as_principal(exported[role], key)}
        for name, policy in policies.items():
            bucket = f"arn:aws:s3:::{name}"
            for resource in [bucket, *(f"{bucket}/{k}" for k in KEYS_IN)]:
                for action in ACTIONS:
                    expected = allowed(policy, key, action, resource)
                    assert allowed(mine, key, action, resource) == expected, (role, action)


def _as_principal(policy: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [{**s, "Principal": {"AWS": [key]}} for s in policy["Statement"]]


def test_policies_are_deterministic() -> None:
    again = {"base_b": ["energy_meter", "process_params"], "base_a": ["energy_meter"]}
    assert bucket_policies(BUCKETS, KEYS, GRANTS) == bucket_policies(BUCKETS, KEYS, again)


@pytest.mark.parametrize("name", ["", "Base", "a b", "../x", "x" * 41, "base\n"])
def test_bad_pilot_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        pilot_role(name)
