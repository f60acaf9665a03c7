"""Secrets of a source (an MQTT or OPC UA password), never written in the YAML itself.

A secret setting is ``${VARIABLE}``, read from the environment when the file is loaded (the
systemd unit's ``EnvironmentFile``), or its ``*_file`` twin names a file read when the source
connects, so a rotated password needs no edit of edge.yaml. Same rules as ``kafka.security``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import SecretStr

__all__ = ["from_environment", "read_secret"]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def from_environment(value: object) -> object:
    """``${NAME}`` is the environment variable's value (``ValueError`` when it is unset)."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not isinstance(raw, str) or not (match := _ENV_REF.fullmatch(raw)):
        return value
    if match[1] not in os.environ:
        raise ValueError(f"environment variable {match[1]} is not set")
    return os.environ[match[1]]


def read_secret(value: SecretStr | None, file: Path | None) -> str | None:
    """The secret: from its file when one is named (read now, ``OSError`` if not), else given."""
    if file is not None:
        return file.read_text(encoding="utf-8").strip()
    return value.get_secret_value() if value is not None else None
