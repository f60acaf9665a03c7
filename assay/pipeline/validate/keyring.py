"""The identity keyring: the current master key, and earlier ones still honoured for a while.

A rotation (``assay access rotate-identity-key``) writes a new master key to the key file and
keeps the old one beside it as ``identity.key.<key id>`` (0600). Ingest then checks a
record's signature against the signer's key derived from each key of the ring, newest first:

- records a gateway signed before it got its new key — in Kafka, or in its spool, which
  signs on send — still verify, so a rotation loses nothing and needs no pause;
- gateways are re-enrolled at the operator's pace (``assay access kafka-gateway`` again,
  or the new key files the rotation writes, copied to each gateway);
- once every gateway signs with the new key, ``retire-identity-key`` renames the old file
  to ``….retired``: from then on its signatures fail (after a leak, retire at once).

Verdicts are fixed in the raw data at ingest, so retiring a key never changes what was
already landed.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assay.config import Settings
from assay.pipeline.validate.signers import (
    ENV,
    IdentityKey,
    IdentityKeyError,
    identity_key,
    new_key_text,
    parse_identity_key,
)
from assay.private_files import write_private
from schemas.signature import KeyLookup

RETIRED = ".retired"
_KEY_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class IdentityKeyring:
    """The current identity master key first, then the earlier ones not yet retired."""

    keys: tuple[IdentityKey, ...]

    @property
    def current(self) -> IdentityKey:
        """The key new gateway keys are derived from."""
        return self.keys[0]

    def for_principal(self, principal: str) -> tuple[bytes, ...]:
        """One gateway's signing keys, newest first."""
        return tuple(key.for_principal(principal) for key in self.keys)

    def lookup(self) -> KeyLookup:
        """Principal -> its signing keys, each derived once."""
        found: KeyLookup = lru_cache(maxsize=1024)(self.for_principal)
        return found


def previous_key_files(settings: Settings) -> list[Path]:
    """The earlier keys kept beside the key file (``identity.key.<id>``), oldest name first."""
    path = settings.identity_key_file.expanduser()
    if not path.parent.is_dir():
        return []
    prefix = path.name + "."
    return sorted(
        p
        for p in path.parent.iterdir()
        if p.name.startswith(prefix) and _KEY_ID.fullmatch(p.name[len(prefix) :])
    )


def identity_keyring(settings: Settings) -> IdentityKeyring | None:
    """The keyring; None when there is no current key."""
    current = identity_key(settings)
    if current is None:
        return None
    previous = [_read(p) for p in previous_key_files(settings)]
    return IdentityKeyring((current, *[k for k in previous if k.key_id != current.key_id]))


def _read(path: Path) -> IdentityKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise IdentityKeyError(str(path), f"is readable by others (mode {mode:o}); chmod 600 it")
    return parse_identity_key(path.read_text(), str(path))


@dataclass(frozen=True)
class IdentityRotation:
    """What `rotate_identity_key` did: the old key kept in ``archived`` (None: retired)."""

    old_id: str
    new_id: str
    archived: Path | None


def rotate_identity_key(settings: Settings, *, retire: bool = False) -> IdentityRotation:
    """A new master key in the key file; the old one kept beside it and still honoured, or
    retired at once (``retire``: a leaked key)."""
    if settings.identity_key.get_secret_value():
        raise IdentityKeyError(ENV, "sets the key; rotate it where it is configured")
    old = identity_key(settings)
    path = settings.identity_key_file.expanduser()
    if old is None:
        raise IdentityKeyError(str(path), "does not exist: nothing to rotate (`assay stack up`)")
    archived = path.with_name(f"{path.name}.{old.key_id}{RETIRED if retire else ''}")
    write_private(archived, old.secret.hex().encode() + b"\n", exclusive=True)
    write_private(path, new_key_text())
    new = identity_key(settings)
    assert new is not None  # just written
    return IdentityRotation(old.key_id, new.key_id, None if retire else archived)


def retire_identity_keys(settings: Settings, key_ids: Sequence[str] = ()) -> list[str]:
    """Stop honouring earlier keys (all when ``key_ids`` is empty); the ids retired."""
    retired = []
    for path in previous_key_files(settings):
        key_id = path.name.rsplit(".", 1)[-1]
        if not key_ids or key_id in key_ids:
            path.rename(path.with_name(path.name + RETIRED))
            retired.append(key_id)
    unknown = sorted(set(key_ids) - set(retired))
    if unknown:
        raise IdentityKeyError(", ".join(unknown), "is not an honoured earlier identity key")
    return retired
