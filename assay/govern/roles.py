"""Who may do what in the steward's work: roles, the actor, and one pure check.

    viewer    reads: releases, drafts, quarantine, decisions, the audit
    steward   a viewer who also requests releases, approves or rejects another steward's
              request, and decides on quarantined rows
    admin     a steward who also withdraws a published release

A release is approved by someone other than its requester; only a site configured as
single-steward (``single_steward = true``) lets the requester approve, and the manifest
records that it did. The check is here, as data plus a function, so the command line and
the console refuse the same things.

On the command line the actor is named by ``--as NAME``, else the ``steward_name``
setting (``ASSAY_STEWARD_NAME``), else the login name; the role comes from the
``steward_roles`` table (``[steward_roles]`` in assay.toml, or ``ASSAY_STEWARD_ROLES`` as
JSON). An empty table makes every name a steward: the S3 keys of the releaser and
steward roles are then the only gate, and the records say who acted. The console names
the actor from its own login instead.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Literal, get_args

from assay.config import Settings
from assay.errors import AssayError, ConfigError

Role = Literal["viewer", "steward", "admin"]
Action = Literal["read", "request", "approve", "reject", "decide", "withdraw"]
ROLES: tuple[Role, ...] = get_args(Role)

ALLOWED: dict[Role, frozenset[Action]] = {
    "viewer": frozenset({"read"}),
    "steward": frozenset({"read", "request", "approve", "reject", "decide"}),
    "admin": frozenset(get_args(Action)),
}


class NotPermitted(AssayError):
    """The actor's role does not allow the action, or the two-person rule forbids it."""

    def __init__(self, actor: str, role: str, action: str, why: str = "") -> None:
        self.actor, self.role, self.action, self.why = actor, role, action, why
        allowed = sorted(a for r, acts in ALLOWED.items() if r == role for a in acts)
        because = why or f"a {role} may {', '.join(allowed) or 'nothing'} only"
        super().__init__(f"{actor} ({role}) may not {action}: {because}")


@dataclass(frozen=True)
class Actor:
    """Someone acting on governed data: a name the records keep, and a role."""

    name: str
    role: Role

    def may(self, action: Action) -> bool:
        """Whether the role allows ``action``."""
        return action in ALLOWED[self.role]


def authorize(actor: Actor, action: Action) -> None:
    """`NotPermitted` unless the actor's role allows the action."""
    if not actor.may(action):
        raise NotPermitted(actor.name, actor.role, action)


def check_approver(actor: Actor, requester: str, single_steward: bool) -> None:
    """The two-person rule: the approver is not the requester, unless single-steward."""
    authorize(actor, "approve")
    if actor.name == requester and not single_steward:
        raise NotPermitted(
            actor.name,
            actor.role,
            "approve",
            "the requester cannot approve their own release; another steward must "
            "(or the site is configured single_steward = true)",
        )


def role_of(settings: Settings, name: str) -> Role:
    """The role of ``name`` in the site's table; every name is a steward without one."""
    table = settings.steward_roles
    if not table:
        return "steward"
    role = table.get(name, "viewer")
    if role not in ROLES:
        raise ConfigError(
            f"steward_roles: {name} has role {role!r}; use one of {', '.join(ROLES)}",
            places=["environment ASSAY_STEWARD_ROLES", "assay.toml [steward_roles]"],
        )
    return role


def actor_from(settings: Settings, name: str | None = None) -> Actor:
    """The actor of a command: ``--as`` name, else the setting, else the login name."""
    chosen = (name or settings.steward_name or _login()).strip()
    if not chosen:
        raise ConfigError(
            "no steward name: pass --as NAME or set steward_name",
            places=["--as", "environment ASSAY_STEWARD_NAME", "assay.toml steward_name"],
        )
    return Actor(chosen, role_of(settings, chosen))


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return ""
