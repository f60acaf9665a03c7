"""Passwords the local stack generates once and keeps in ``<state>/secrets/<name>`` (0600).

Rotation is deleting the file and running ``assay stack down`` then ``assay stack up``:
each service that uses one sets it again from the file on every start.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from assay.private_files import read_or_create

SECRETS_DIR = "secrets"
AIRFLOW_ADMIN = "airflow-admin"
AIRFLOW_CONSOLE = "airflow-console"
POSTGRES = "postgres-airflow"


def secret_file(state_dir: Path, name: str) -> Path:
    """Where one generated secret lives."""
    return state_dir / SECRETS_DIR / name


def stack_secret(state_dir: Path, name: str) -> str:
    """The secret ``name``, generated (32 URL-safe characters) and stored the first time."""
    path = secret_file(state_dir, name)
    return read_or_create(path, lambda: secrets.token_urlsafe(24).encode()).decode().strip()


def existing_secret(state_dir: Path, name: str) -> str | None:
    """The secret ``name`` if the stack made one, else None (never generates)."""
    path = secret_file(state_dir, name)
    return path.read_text().strip() if path.is_file() else None
