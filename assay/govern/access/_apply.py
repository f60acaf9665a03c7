"""Make the S3 server match the roles: users with their stored keys, then bucket policies.

Idempotent: keys are generated once and kept in the state folder; each run creates missing
users, resets existing ones to their stored secret and role, and puts every policy again.

The roles are data (`assay.govern.access._policy`); a `RoleBackend` writes them to one kind
of server. `VersityBackend` speaks Versity Gateway's admin API (users) and S3 bucket
policies, and is the only backend assay applies and tests; for MinIO, Ceph RGW or AWS,
``assay access export --format iam`` writes the same grants as IAM policy documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assay.config import ROOT
from assay.govern.access._admin import GatewayAdmin
from assay.govern.access._credentials import RoleKeys, load_or_generate
from assay.govern.access._grants import load_grants, merge_grants
from assay.govern.access._policy import (
    EDGE,
    FIXED_ROLES,
    PIPELINE,
    RELEASER,
    STEWARD,
    Policy,
    Principals,
    bucket_policies,
    identity_policies,
    pilot_role,
)

if TYPE_CHECKING:
    from assay.config import Settings


class RoleBackend(Protocol):
    """What applying roles needs of a server: its users, and one policy per bucket."""

    def users(self) -> set[str]:
        """Access keys of the users that exist (root excluded)."""

    def create_user(self, keys: RoleKeys) -> None:
        """Add a user with these keys."""

    def reset_user(self, keys: RoleKeys) -> None:
        """Set an existing user's secret (and plain-user role) to these keys."""

    def put_policy(self, bucket: str, policy: Policy) -> None:
        """Replace one bucket's policy."""


class VersityBackend:
    """Versity Gateway: users through its admin API, policies as S3 bucket policies (root)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings.as_role(ROOT)
        self.admin = GatewayAdmin.from_settings(self.settings)

    def users(self) -> set[str]:
        return {account.access for account in self.admin.list_users()}

    def create_user(self, keys: RoleKeys) -> None:
        self.admin.create_user(keys.access_key, keys.secret_key.get_secret_value(), "user")

    def reset_user(self, keys: RoleKeys) -> None:
        self.admin.update_user(keys.access_key, keys.secret_key.get_secret_value(), "user")

    def put_policy(self, bucket: str, policy: Policy) -> None:
        from assay.store.objects import _translated, s3_client

        with _translated(bucket, "?policy"):
            s3_client(self.settings).set_bucket_policy(bucket, json.dumps(policy))


@dataclass(frozen=True)
class Applied:
    """What `apply` did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    policies: dict[str, Policy] = field(default_factory=dict)
    grants: dict[str, list[str]] = field(default_factory=dict)


def effective_grants(settings: Settings) -> dict[str, list[str]]:
    """Pilot grants from the settings and from the state folder, merged."""
    return merge_grants(settings.pilot_grants, load_grants(settings.state_dir))


def role_keys(settings: Settings, grants: dict[str, list[str]]) -> dict[str, RoleKeys]:
    """Every role's keys, by role name, generated where missing."""
    roles = [*FIXED_ROLES, *(pilot_role(p) for p in grants)]
    return {role: load_or_generate(settings.state_dir, role) for role in roles}


def principals(keys: dict[str, RoleKeys], grants: dict[str, list[str]]) -> Principals:
    """The access key of every role."""
    return Principals(
        edge=keys[EDGE].access_key,
        pipeline=keys[PIPELINE].access_key,
        releaser=keys[RELEASER].access_key,
        steward=keys[STEWARD].access_key,
        pilots={p: keys[pilot_role(p)].access_key for p in grants},
    )


def planned_policies(
    settings: Settings, keys: dict[str, RoleKeys], grants: dict[str, list[str]]
) -> dict[str, Policy]:
    """The policy of every bucket for these keys and grants."""
    return dict(bucket_policies(settings.buckets, principals(keys, grants), grants))


def exported_policies(settings: Settings) -> dict[str, Policy]:
    """One IAM identity policy per role, for servers that attach policies to users."""
    grants = effective_grants(settings)
    keys = role_keys(settings, grants)
    return identity_policies(planned_policies(settings, keys, grants), principals(keys, grants))


def apply(settings: Settings, backend: RoleBackend | None = None) -> Applied:
    """Users first (a policy may only name existing users), then one policy per bucket."""
    backend = backend or VersityBackend(settings)
    grants = effective_grants(settings)
    keys = role_keys(settings, grants)
    created, updated = _ensure_users(backend, keys)
    policies = planned_policies(settings, keys, grants)
    for bucket, policy in policies.items():
        backend.put_policy(bucket, policy)
    return Applied(created, updated, policies, grants)


def _ensure_users(backend: RoleBackend, keys: dict[str, RoleKeys]) -> tuple[list[str], list[str]]:
    existing = backend.users()
    created, updated = [], []
    for role, pair in keys.items():
        if pair.access_key in existing:
            backend.reset_user(pair)
            updated.append(role)
        else:
            backend.create_user(pair)
            created.append(role)
    return created, updated
