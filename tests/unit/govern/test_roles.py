"""Roles: what each may do, the two-person rule, and how the command line names the actor."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assay.config import Settings
from assay.errors import ConfigError
from assay.govern.roles import (
    ALLOWED,
    ROLES,
    Action,
    Actor,
    NotPermitted,
    actor_from,
    authorize,
    check_approver,
)

names = st.text(min_size=1, max_size=12)


@given(names, st.sampled_from(ROLES), st.sampled_from(get_args(Action)))
def test_authorize_follows_the_table(name: str, role: str, action: Action) -> None:
    actor = Actor(name, role)  # type: ignore[arg-type]
    if action in ALLOWED[actor.role]:
        authorize(actor, action)
    else:
        with pytest.raises(NotPermitted) as refused:
            authorize(actor, action)
        assert (refused.value.actor, refused.value.action) == (name, action)


@given(names, names, st.sampled_from(["steward", "admin"]), st.booleans())
def test_the_approver_differs_from_the_requester_unless_single_steward(
    approver: str, requester: str, role: str, single: bool
) -> None:
    actor = Actor(approver, role)  # type: ignore[arg-type]
    if approver == requester and not single:
        with pytest.raises(NotPermitted):
            check_approver(actor, requester, single)
    else:
        check_approver(actor, requester, single)


def test_only_admins_withdraw_and_viewers_only_read() -> None:
    assert [r for r in ROLES if "withdraw" in ALLOWED[r]] == ["admin"]
    assert ALLOWED["viewer"] == {"read"}


def test_the_actor_comes_from_as_then_the_setting() -> None:
    plain = Settings(steward_name="mei")
    assert actor_from(plain) == Actor("mei", "steward")  # no roles table: every name a steward
    assert actor_from(plain, "li").name == "li"
    site = Settings(steward_roles={"mei": "admin", "li": "steward"})
    assert actor_from(site, "mei").role == "admin"
    assert actor_from(site, "stranger").role == "viewer"
    with pytest.raises(ConfigError):
        actor_from(Settings(steward_roles={"x": "boss"}), "x")
