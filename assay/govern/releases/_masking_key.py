"""The master masking key: where it is kept, how it is checked, rotated, and what each release
gets from it.

The master key never masks anything itself. Each release pseudonymises with its own key,
derived with HKDF-SHA256 (RFC 5869) from the master key, salt ``assay.masking/1`` and
info ``<contract> NUL <version> NUL <recipient>``: the same value gets the same pseudonym
throughout one release (joins still work) and an unrelated one in every other release, so a
field granted, or a pseudonym reversed, in one release unmasks nothing in another.

The key is at least 32 random bytes, written as hex: ``ASSAY_MASKING_KEY``, else the file
``masking_key_file`` (default ``~/.config/assay/masking.key``, outside every state folder so
``make clean`` cannot delete it), generated there once, atomically, mode 0600. Its id —
16 hex digits derived with HKDF, revealing nothing of the key — goes into each manifest.
Rotation writes a new key (a new id) and keeps the old one beside it as
``masking.key.<old id>``; releases made with the old key still verify, because verifying
reads checksums, never the key.
"""

from __future__ import annotations

import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from assay import kdf
from assay.config import Settings
from assay.govern.releases._errors import MaskingKeyError
from assay.private_files import read_or_create, write_private

MIN_KEY_BYTES = 32
KDF = "HKDF-SHA256"
SALT = b"assay.masking/1"
ENV = "ASSAY_MASKING_KEY"


def hkdf(secret: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256 of ``secret`` with the masking salt and ``info``."""
    return kdf.hkdf(secret, salt=SALT, info=info, length=length)


@dataclass(frozen=True)
class MaskingKey:
    """A master key (never released) and where it came from."""

    secret: bytes = field(repr=False)
    source: str = "given"

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_BYTES:
            raise MaskingKeyError(
                self.source,
                f"is {len(self.secret)} bytes; a masking key needs at least {MIN_KEY_BYTES} "
                "random bytes (generate one with `openssl rand -hex 32`)",
                length=len(self.secret),
            )

    @property
    def key_id(self) -> str:
        """16 hex digits that name this key in manifests and reveal nothing of it."""
        return hkdf(self.secret, b"assay.masking.key-id", 8).hex()

    def for_release(self, contract: str, version: str, recipient: str = "") -> bytes:
        """The key one release masks with."""
        return hkdf(self.secret, release_info(contract, version, recipient))


def release_info(contract: str, version: str, recipient: str = "") -> bytes:
    """HKDF's ``info`` for one release: contract, version and recipient, NUL-separated."""
    return "\x00".join((contract, version, recipient)).encode()


def parse_key(text: str, source: str) -> MaskingKey:
    """A key from its hex text; `MaskingKeyError` (with ``source``) if not hex or too short."""
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError:
        raise MaskingKeyError(
            source, "is not hex; write the key as hex digits (`openssl rand -hex 32`)"
        ) from None
    return MaskingKey(secret, source)


def masking_key(settings: Settings) -> MaskingKey:
    """The master key: ``ASSAY_MASKING_KEY``, else the key file (generated there once)."""
    configured = settings.masking_key.get_secret_value()
    if configured:
        return parse_key(configured, ENV)
    path = settings.masking_key_file.expanduser()
    text = read_or_create(path, _new_key_text)
    _check_private(path)
    return parse_key(text.decode(), str(path))


def _new_key_text() -> bytes:
    return (secrets.token_hex(MIN_KEY_BYTES) + "\n").encode()


def _check_private(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise MaskingKeyError(str(path), f"is readable by others (mode {mode:o}); chmod 600 it")


@dataclass(frozen=True)
class Rotation:
    """What `rotate_masking_key` did."""

    old_id: str
    new_id: str
    archived: Path


def rotate_masking_key(settings: Settings) -> Rotation:
    """A new master key in the key file; the old one kept as ``<file>.<old id>`` (0600)."""
    if settings.masking_key.get_secret_value():
        raise MaskingKeyError(ENV, "sets the key; rotate it where it is configured")
    old = masking_key(settings)
    path = settings.masking_key_file.expanduser()
    archived = path.with_name(f"{path.name}.{old.key_id}")
    write_private(archived, old.secret.hex().encode() + b"\n", exclusive=True)
    write_private(path, _new_key_text())
    return Rotation(old.key_id, masking_key(settings).key_id, archived)
