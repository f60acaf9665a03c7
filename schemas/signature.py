"""Which gateway wrote a Kafka record: an HMAC the edge puts in its headers, checked at ingest.

Kafka authenticates the gateway that connects, but a consumer is never told which principal
produced a record. The binding therefore travels with the record: the edge signs it with a
key of its own (``HMAC-SHA256``) and names itself in the ``signer`` header; ingest, which can
derive every gateway's key from the identity master key, checks the ``signature`` header.

API::

    headers = sign(key, "edge-gw-01", topic, kafka_key, headers, value)  # + signer, signature
    verify(keys, topic, kafka_key, headers, value) -> Verdict(signer, valid)   # never raises

``keys`` gives a principal's key, or a keyring: several keys, the current one first, then
those of earlier identity master keys still honoured after a rotation. A signature holds if
it is the MAC under any of them.

The MAC covers the topic, the key, every header but ``signature`` itself (``signer``
included) in order, and the SHA-256 of the value, each length-prefixed so no two records
share an encoding. Any change to any of them, a header added, dropped, renamed or moved,
fails verification. A record without either header is *unsigned* (``Verdict(None, None)``):
whether that is acceptable is the contract's business (``identity``), decided in validation.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from schemas import wire

__all__ = ["KeyLookup", "Verdict", "record_mac", "sign", "verify"]

DOMAIN = b"assay.record/1\x00"
#: principal -> its signing key (or keys, newest first), None when unknown
KeyLookup = Callable[[str], bytes | Sequence[bytes] | None]
_ABSENT = b"\xff\xff\xff\xff"


class Verdict(NamedTuple):
    """Who signed a record and whether the signature holds; ``(None, None)``: unsigned."""

    signer: str | None
    valid: bool | None


UNSIGNED = Verdict(None, None)


def _lp(data: bytes | None) -> bytes:
    return _ABSENT if data is None else len(data).to_bytes(4, "big") + data


def _text(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


@lru_cache(maxsize=4096)
def _pair(name: str, data: bytes | None) -> bytes:
    """A name and its value, encoded; cached, as most headers repeat on every record."""
    return _lp(_text(name)) + _lp(data)


def record_mac(
    key: bytes,
    topic: str,
    kafka_key: bytes | None,
    headers: Sequence[tuple[str, bytes | None]],
    value: bytes | None,
) -> bytes:
    """The HMAC-SHA256 of a record's canonical form (module docstring)."""
    signed = [_pair(k, v) for k, v in headers if k != wire.HEADER_SIGNATURE]
    parts = [DOMAIN, _pair(topic, kafka_key), len(signed).to_bytes(4, "big"), *signed]
    parts.append(_lp(None if value is None else hashlib.sha256(value).digest()))
    return hmac_sha256(key, b"".join(parts))


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 (RFC 2104) from the key's two padded hash states, made once per key:
    OpenSSL's one-shot HMAC spent most of its time setting itself up for every record."""
    inner, outer = _pads(key)
    digest = inner.copy()
    digest.update(message)
    final = outer.copy()
    final.update(digest.digest())
    return final.digest()


@lru_cache(maxsize=1024)
def _pads(key: bytes) -> tuple[Any, Any]:
    block = hashlib.sha256(key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\x00")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    return inner, hashlib.sha256(bytes(b ^ 0x5C for b in block))


def sign(
    key: bytes,
    principal: str,
    topic: str,
    kafka_key: bytes | None,
    headers: Sequence[tuple[str, bytes]],
    value: bytes,
) -> list[tuple[str, bytes]]:
    """``headers`` with ``signer`` (the principal) and ``signature`` (hex MAC) appended."""
    named = [*headers, (wire.HEADER_SIGNER, _text(principal))]
    mac = record_mac(key, topic, kafka_key, named, value)
    return [*named, (wire.HEADER_SIGNATURE, mac.hex().encode())]


def verify(
    keys: KeyLookup,
    topic: str,
    kafka_key: bytes | None,
    headers: Sequence[tuple[str, bytes | None]],
    value: bytes | None,
) -> Verdict:
    """Who signed the record and whether the signature holds. Never raises: a record whose
    headers or key lookup misbehave in any way is an invalid signature."""
    try:
        return _verify(keys, topic, kafka_key, headers, value)
    except Exception:  # a header of a shape no client sends, a lookup that failed
        return Verdict(_signer(headers), False)


def _verify(
    keys: KeyLookup,
    topic: str,
    kafka_key: bytes | None,
    headers: Sequence[tuple[str, bytes | None]],
    value: bytes | None,
) -> Verdict:
    signers = [v for k, v in headers if k == wire.HEADER_SIGNER]
    signatures = [v for k, v in headers if k == wire.HEADER_SIGNATURE]
    if not signers and not signatures:
        return UNSIGNED
    signer = _signer(headers)
    if len(signers) != 1 or len(signatures) != 1 or signer is None or signatures[0] is None:
        return Verdict(signer, False)  # half a signature, or two: never valid
    found = keys(signer)
    candidates = (found,) if isinstance(found, bytes) else tuple(found or ())
    signature = signatures[0]
    return Verdict(
        signer, any(_holds(k, signature, topic, kafka_key, headers, value) for k in candidates)
    )


def _holds(
    key: bytes,
    signature: bytes,
    topic: str,
    kafka_key: bytes | None,
    headers: Sequence[tuple[str, bytes | None]],
    value: bytes | None,
) -> bool:
    expected = record_mac(key, topic, kafka_key, headers, value).hex().encode()
    return hmac.compare_digest(expected, signature)


def _signer(headers: Sequence[tuple[str, bytes | None]]) -> str | None:
    """The first ``signer`` header as text (None when absent, empty or not UTF-8)."""
    try:
        found = next((v for k, v in headers if k == wire.HEADER_SIGNER), None)
        return found.decode() if found else None
    except Exception:
        return None
