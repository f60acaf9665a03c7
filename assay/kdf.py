"""Key derivation: one HKDF-SHA256 for every key assay derives from a master key.

The masking key (a key per release and recipient) and the identity key (a signing key per
gateway) each derive with a salt of their own, so a key of one never equals a key of the other.
"""

from __future__ import annotations


def hkdf(secret: bytes, *, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA256 (RFC 5869) of ``secret`` with ``salt`` and ``info``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)
