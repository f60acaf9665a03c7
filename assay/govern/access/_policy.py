"""The roles and their bucket policies: data plus pure functions, no I/O.

Every pipeline bucket gets one policy naming each role's access key as principal. With a
policy in place Versity Gateway ignores bucket ACLs for ordinary users, so a role can do
exactly what a statement allows; root (the stack's own key) bypasses policies.

    edge       PutObject under ``claims/`` of the raw bucket (image claim-checks), nothing else
    pipeline   list, read and write raw, curated, quarantine, dead letters and reports;
               list and remove object versions in raw, dead letters, quarantine and
               curated (retention: ``assay retention apply``, the daily DAG); nothing on
               releases
    releaser   list and read raw, curated, quarantine and reports (a release's ledger
               counts the raw segments by producer and partition; dead letters stay the
               steward's), write ``readiness/`` in reports;
               list, read and add (under retention) to releases
    steward    list and read raw, dead letters, curated, quarantine and reports; write
               triage decisions (``decisions/`` of quarantine) and the curated objects of
               accepted rows (``…/accepted-*`` of curated); list and read every release
               with its versions (the console shows and verifies them)
    pilot-<n>  list and read ``<contract>/`` of the releases bucket, for each granted contract

No role deletes anything anywhere else: an explicit Deny on every bucket wins over any
Allow, so releases, reports (summaries and the expiry ledger) and every other role's view
stay whole even if a later statement grants too much. The one exception is retention's:
the pipeline role may remove a *version* (``s3:DeleteObjectVersion``) in the four data
layers; a plain delete (a delete marker) and bypassing object-lock stay denied to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assay.config import EDGE, PILOT_PREFIX, PIPELINE, RELEASER, STEWARD

FIXED_ROLES = (EDGE, PIPELINE, RELEASER, STEWARD)
CLAIMS_PREFIX = "claims/"
READINESS_PREFIX = "readiness/"
DECISIONS_PREFIX = "decisions/"
ACCEPTED_OBJECTS = "*/accepted-*"
VERSION = "2012-10-17"
ARN = "arn:aws:s3:::"

_PILOT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

LIST = ["s3:ListBucket"]
# A release is verified against the oldest version of its lock.json: readers list versions.
LIST_VERSIONS = [*LIST, "s3:ListBucketVersions"]
READ = ["s3:GetObject", "s3:GetObjectVersion"]
WRITE = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
# A PutObject carrying object-lock retention is also checked against s3:PutObjectRetention.
LOCKED_WRITE = [*WRITE, "s3:PutObjectRetention"]
DELETE = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]
EXPIRE = ["s3:DeleteObjectVersion"]

PIPELINE_BUCKETS = ("raw", "curated", "quarantine", "deadletter", "reports")
STEWARD_BUCKETS = ("raw", "deadletter", "curated", "quarantine", "reports")
RELEASER_BUCKETS = ("raw", "curated", "quarantine", "reports")
#: Where retention removes data, as the pipeline role; never reports, never releases.
EXPIRING_BUCKETS = ("raw", "deadletter", "quarantine", "curated")

Policy = dict[str, Any]


@dataclass(frozen=True)
class Principals:
    """The access key of each role; pilots by pilot name."""

    edge: str
    pipeline: str
    releaser: str
    steward: str
    pilots: Mapping[str, str]

    def all(self) -> list[str]:
        """Every role's key, sorted."""
        return sorted(self.roles())

    def roles(self) -> dict[str, str]:
        """Role name by access key."""
        fixed = {EDGE: self.edge, PIPELINE: self.pipeline, RELEASER: self.releaser}
        fixed[STEWARD] = self.steward
        pilots = {pilot_role(p): key for p, key in self.pilots.items()}
        return {key: role for role, key in (fixed | pilots).items()}


def pilot_role(name: str) -> str:
    """The role name of a pilot base, ``pilot-<name>``; `ValueError` for a bad name."""
    if not _PILOT_NAME.fullmatch(name):  # `$` alone would let "base\n" through
        raise ValueError(f"pilot name {name!r} must match {_PILOT_NAME.pattern}")
    return f"{PILOT_PREFIX}{name}"


def statement(
    sid: str, principals: list[str], actions: list[str], resources: list[str], **extra: Any
) -> dict[str, Any]:
    """One statement; ``Effect`` defaults to Allow, ``extra`` adds e.g. a Condition."""
    return {
        "Sid": sid,
        "Effect": extra.pop("Effect", "Allow"),
        "Principal": {"AWS": sorted(principals)},
        "Action": actions,
        "Resource": resources,
        **extra,
    }


def _read_write(sid: str, principal: str, bucket: str) -> list[dict[str, Any]]:
    return [
        statement(f"{sid}List", [principal], LIST, [f"{ARN}{bucket}"]),
        statement(f"{sid}ReadWrite", [principal], READ + WRITE, [f"{ARN}{bucket}/*"]),
    ]


def _read(
    sid: str, principals: list[str], bucket: str, prefix: str = "", lists: list[str] = LIST
) -> list[dict[str, Any]]:
    listing: dict[str, Any] = {}
    if prefix:
        listing["Condition"] = {"StringLike": {"s3:prefix": [f"{prefix}*"]}}
    return [
        statement(f"{sid}List", principals, lists, [f"{ARN}{bucket}"], **listing),
        statement(f"{sid}Read", principals, READ, [f"{ARN}{bucket}/{prefix}*"]),
    ]


def bucket_policies(
    buckets: Mapping[str, str], keys: Principals, grants: Mapping[str, list[str]]
) -> dict[str, Policy]:
    """The policy of every pipeline bucket, by bucket name.

    ``buckets`` maps role (raw, curated …) to bucket name, as `Settings.buckets` does;
    ``grants`` maps a pilot name to the contracts whose releases it may read.
    """
    statements: dict[str, list[dict[str, Any]]] = {name: [] for name in buckets.values()}
    for role in PIPELINE_BUCKETS:
        statements[buckets[role]] += _read_write("Pipeline", keys.pipeline, buckets[role])
    for role in STEWARD_BUCKETS:
        statements[buckets[role]] += _read("Steward", [keys.steward], buckets[role])
    for role in RELEASER_BUCKETS:
        statements[buckets[role]] += _read("Releaser", [keys.releaser], buckets[role])
    raw, reports = buckets["raw"], buckets["reports"]
    statements[raw] += [
        statement("EdgeClaims", [keys.edge], ["s3:PutObject"], [f"{ARN}{raw}/{CLAIMS_PREFIX}*"]),
    ]
    readiness = f"{ARN}{reports}/{READINESS_PREFIX}*"
    statements[reports].append(statement("ReleaserReadiness", [keys.releaser], WRITE, [readiness]))
    quarantine, curated = buckets["quarantine"], buckets["curated"]
    decisions = f"{ARN}{quarantine}/{DECISIONS_PREFIX}*"
    statements[quarantine].append(statement("StewardDecide", [keys.steward], WRITE, [decisions]))
    accepted = f"{ARN}{curated}/{ACCEPTED_OBJECTS}"
    statements[curated].append(statement("StewardAccepted", [keys.steward], WRITE, [accepted]))
    statements[buckets["releases"]] += _release_statements(buckets["releases"], keys, grants)
    expiring = {buckets[role] for role in EXPIRING_BUCKETS}
    for name in sorted(expiring):
        statements[name] += _expire("PipelineExpire", keys.pipeline, name)
    for name, found in statements.items():
        found += _no_deletes(keys, name, expiring=name in expiring)
    return {name: {"Version": VERSION, "Statement": found} for name, found in statements.items()}


def _expire(sid: str, principal: str, bucket: str) -> list[dict[str, Any]]:
    return [
        statement(f"{sid}List", [principal], ["s3:ListBucketVersions"], [f"{ARN}{bucket}"]),
        statement(f"{sid}Remove", [principal], EXPIRE, [f"{ARN}{bucket}/*"]),
    ]


def _no_deletes(keys: Principals, bucket: str, *, expiring: bool) -> list[dict[str, Any]]:
    """An explicit deny wins over every allow: no role deletes in any bucket, except the
    pipeline's removal of versions where retention expires data."""
    where = [f"{ARN}{bucket}/*"]
    if not expiring:
        return [statement("NoRoleDeletes", keys.all(), DELETE, where, Effect="Deny")]
    others = [k for k in keys.all() if k != keys.pipeline]
    kept = [a for a in DELETE if a not in EXPIRE]
    return [
        statement("NoRoleDeletes", others, DELETE, where, Effect="Deny"),
        statement("PipelineNoPlainDeletes", [keys.pipeline], kept, where, Effect="Deny"),
    ]


def _release_statements(
    bucket: str, keys: Principals, grants: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    found = [
        *_read("Releaser", [keys.releaser], bucket, lists=LIST_VERSIONS),
        *_read("Steward", [keys.steward], bucket, lists=LIST_VERSIONS),
        statement("ReleaserAdd", [keys.releaser], LOCKED_WRITE, [f"{ARN}{bucket}/*"]),
    ]
    for pilot in sorted(grants):
        sid = "Pilot" + re.sub(r"[^A-Za-z0-9]", "", pilot.title())
        for contract in sorted(set(grants[pilot])):
            tag = re.sub(r"[^A-Za-z0-9]", "", contract.title())
            reader = [keys.pilots[pilot]]
            found += _read(f"{sid}{tag}", reader, bucket, f"{contract}/", LIST_VERSIONS)
    return found


def identity_policies(policies: Mapping[str, Policy], keys: Principals) -> dict[str, Policy]:
    """The same grants as one IAM identity policy per role (no ``Principal``), by role name.

    S3 servers without bucket policies for named users (MinIO, Ceph RGW's user policies, AWS
    IAM users) attach these to each role's user instead; both forms allow the same calls.
    """
    by_key = keys.roles()
    found: dict[str, list[dict[str, Any]]] = {role: [] for role in sorted(by_key.values())}
    for bucket in sorted(policies):
        tag = re.sub(r"[^A-Za-z0-9]", "", bucket.title())
        for stmt in policies[bucket]["Statement"]:
            body = {k: v for k, v in stmt.items() if k not in ("Sid", "Principal")}
            for key in stmt["Principal"]["AWS"]:
                found[by_key[key]].append({"Sid": f"{stmt['Sid']}{tag}", **body})
    return {role: {"Version": VERSION, "Statement": stmts} for role, stmts in found.items()}
