"""Each role's S3 key pair, generated once and kept in ``<state>/access/<role>.toml`` (mode 600)."""

from __future__ import annotations

import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from assay.config import ACCESS_DIR, role_keys_file
from assay.govern.access._errors import AccessError
from assay.private_files import read_or_create, write_private

KEY_PREFIX = "assay-"


@dataclass(frozen=True)
class RoleKeys:
    """A role's access key and secret."""

    role: str
    access_key: str
    secret_key: SecretStr

    def dumps(self) -> str:
        """The stored TOML form."""
        return (
            f'role = "{self.role}"\n'
            f'access_key = "{self.access_key}"\n'
            f'secret_key = "{self.secret_key.get_secret_value()}"\n'
        )


def access_dir(state_dir: Path) -> Path:
    """Where role credentials and pilot grants live."""
    return state_dir / ACCESS_DIR


def keys_file(state_dir: Path, role: str) -> Path:
    """The credentials file of one role (the settings read the same file)."""
    return role_keys_file(state_dir, role)


def generate(role: str) -> RoleKeys:
    """Fresh keys: the access key names the role, the secret is 40 random URL-safe characters."""
    return RoleKeys(role, f"{KEY_PREFIX}{role}", SecretStr(secrets.token_urlsafe(30)))


def load(state_dir: Path, role: str) -> RoleKeys:
    """A role's stored keys; `AccessError` when `assay access apply` has not made them."""
    path = keys_file(state_dir, role)
    if not path.is_file():
        raise AccessError(role, f"no credentials at {path}; run `assay access apply`")
    data = tomllib.loads(path.read_text())
    return RoleKeys(role, data["access_key"], SecretStr(data["secret_key"]))


def load_or_generate(state_dir: Path, role: str) -> RoleKeys:
    """The stored keys, or new ones written first (exclusively: two racing runs agree)."""
    read_or_create(keys_file(state_dir, role), lambda: generate(role).dumps().encode())
    return load(state_dir, role)


def save(state_dir: Path, keys: RoleKeys) -> Path:
    """Write a credentials file readable by its owner only (atomically, 0600)."""
    path = keys_file(state_dir, keys.role)
    write_private(path, keys.dumps().encode())
    return path
