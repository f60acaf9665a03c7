"""Make the S3 server match the roles: users with their stored keys, then bucket policies.

Idempotent: keys are generated once and kept in the state folder; each run creates missing
users, resets existing ones to their stored secret and role, and puts every policy again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assay.govern.access._admin import GatewayAdmin
from assay.govern.access._credentials import RoleKeys, load_or_generate
from assay.govern.access._grants import load_grants, merge_grants
from assay.govern.access._policy import (
    EDGE,
    FIXED_ROLES,
    PIPELINE,
    STEWARD,
    Policy,
    Principals,
    bucket_policies,
    pilot_role,
)

if TYPE_CHECKING:
    from assay.config import Settings


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


def planned_policies(
    settings: Settings, keys: dict[str, RoleKeys], grants: dict[str, list[str]]
) -> dict[str, Policy]:
    """The policy of every bucket for these keys and grants."""
    principals = Principals(
        edge=keys[EDGE].access_key,
        pipeline=keys[PIPELINE].access_key,
        steward=keys[STEWARD].access_key,
        pilots={p: keys[pilot_role(p)].access_key for p in grants},
    )
    return dict(bucket_policies(settings.buckets, principals, grants))


def apply(settings: Settings) -> Applied:
    """Users first (a policy may only name existing users), then one policy per bucket."""
    grants = effective_grants(settings)
    keys = role_keys(settings, grants)
    created, updated = _ensure_users(GatewayAdmin.from_settings(settings), keys)
    policies = planned_policies(settings, keys, grants)
    _put_policies(settings, policies)
    return Applied(created, updated, policies, grants)


def _ensure_users(admin: GatewayAdmin, keys: dict[str, RoleKeys]) -> tuple[list[str], list[str]]:
    existing = {account.access for account in admin.list_users()}
    created, updated = [], []
    for role, pair in keys.items():
        secret = pair.secret_key.get_secret_value()
        if pair.access_key in existing:
            admin.update_user(pair.access_key, secret, "user")
            updated.append(role)
        else:
            admin.create_user(pair.access_key, secret, "user")
            created.append(role)
    return created, updated


def _put_policies(settings: Settings, policies: dict[str, Policy]) -> None:
    from assay.store.objects import _translated, s3_client

    client = s3_client(settings)
    for bucket, policy in policies.items():
        with _translated(bucket, "?policy"):
            client.set_bucket_policy(bucket, json.dumps(policy))
