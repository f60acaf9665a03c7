"""The standalone console's users: names, roles and argon2 password hashes in one private file.

``<state>/console/users.json`` (mode 0600, folder 0700) maps a name to its role and hash;
``assay console user add`` writes it. The session key that signs cookies sits beside it
(``session.key``), made once, so sessions survive a restart and die with the state folder.
Inside Airflow none of this is used: Airflow's auth manager knows the users.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from assay.errors import ConfigError
from assay.private_files import write_private

Role = Literal["viewer", "steward", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
FOLDER = "console"
USERS = "users.json"
SESSION_KEY = "session.key"
_HASHER = PasswordHasher()
# Verifying against this when the name is unknown costs as much as a real check: the
# time a refusal takes does not tell whether the name exists.
_DUMMY = _HASHER.hash("not a password")


@dataclass(frozen=True)
class User:
    """Someone signed in: a name and what the role lets them do."""

    name: str
    role: Role

    def may(self, role: Role) -> bool:
        """Whether this user's role is ``role`` or above (viewer < steward < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)


def users_file(state_dir: Path) -> Path:
    """Where the standalone console's users are kept."""
    return state_dir / FOLDER / USERS


def add_user(state_dir: Path, name: str, role: str, password: str) -> User:
    """Create or replace a user; its password is stored only as an argon2 hash."""
    if role not in ROLES:
        raise ConfigError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not name or not name.isprintable() or len(name) > 64:
        raise ConfigError(f"user name {name!r}: 1-64 printable characters")
    if len(password) < 8:
        raise ConfigError(f"the password of {name!r} must have at least 8 characters")
    users = _read(state_dir)
    users[name] = {"role": role, "hash": _HASHER.hash(password)}
    write_private(users_file(state_dir), json.dumps(users, indent=1).encode())
    return User(name, ROLES[ROLES.index(role)])


def authenticate(state_dir: Path, name: str, password: str) -> User | None:
    """The user if the password is theirs, else None (unknown names take as long)."""
    entry = _read(state_dir).get(name)
    try:
        _HASHER.verify(entry["hash"] if entry else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    role = role_of(state_dir, name)
    return User(name, role) if role is not None else None


def role_of(state_dir: Path, name: str) -> Role | None:
    """A user's current role (a removed user's session stops working)."""
    entry = _read(state_dir).get(name)
    role = entry.get("role") if entry else None
    return role if role in ROLES else None


def session_key(state_dir: Path) -> bytes:
    """The key that signs session cookies and CSRF tokens, made on first use."""
    path = state_dir / FOLDER / SESSION_KEY
    if not path.exists():
        write_private(path, secrets.token_hex(32).encode(), exclusive=True)
    return path.read_bytes().strip()


def _read(state_dir: Path) -> dict[str, dict[str, str]]:
    path = users_file(state_dir)
    if not path.exists():
        return {}
    data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return data
