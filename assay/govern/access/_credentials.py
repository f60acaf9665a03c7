"""Each role's S3 key pair, generated once and kept in ``<state>/access/<role>.toml`` (mode 600)."""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from assay.govern.access._errors import AccessError

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
    return state_dir / "access"


def keys_file(state_dir: Path, role: str) -> Path:
    """The credentials file of one role."""
    return access_dir(state_dir) / f"{role}.toml"


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
    """The stored keys, or new ones written first so a crash cannot lose them."""
    if keys_file(state_dir, role).is_file():
        return load(state_dir, role)
    keys = generate(role)
    save(state_dir, keys)
    return keys


def save(state_dir: Path, keys: RoleKeys) -> Path:
    """Write a credentials file readable by its owner only (created 600, never widened)."""
    path = keys_file(state_dir, keys.role)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(keys.dumps())
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path
