"""The edge signs every record it sends, so the pipeline knows which gateway wrote it.

API::

    transport = SigningTransport(inner, principal="edge-gw-01", key=read_signing_key(path))

The wrapper is the innermost one around the Kafka client: whatever the sender (or the
simulator's fault injection) puts in the headers, replay mark included, is what gets signed,
so JSON readings and Arrow frames alike carry a ``signer`` and ``signature`` header
(``schemas.signature``). The key is the gateway's own, derived from the identity master key
by ``assay access kafka-gateway``; the gateway never holds the master key.
"""

from __future__ import annotations

from pathlib import Path

from producers._transport import Delivery, Headers, Transport, WrappedTransport
from producers.errors import EdgeConfigError
from schemas.signature import sign

__all__ = ["SigningTransport", "read_signing_key"]

MIN_KEY_BYTES = 32


class SigningTransport(WrappedTransport):
    """A transport that signs each record as ``principal`` before the inner one sends it."""

    def __init__(self, inner: Transport, principal: str, key: bytes) -> None:
        super().__init__(inner)
        self.principal, self._key = principal, key

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: Headers,
        done: Delivery,
        partition: int | None = None,
    ) -> None:
        """Sign, then send."""
        signed = sign(self._key, self.principal, topic, key, headers, value)
        self.inner.send(topic, key, value, signed, done, partition)


def read_signing_key(path: Path, config: Path | str = "<memory>") -> bytes:
    """A gateway's signing key: hex text of at least 32 bytes; `EdgeConfigError` otherwise."""
    where, fix = "kafka.signing_key_file", "copy the file `assay access kafka-gateway` wrote"
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError) as exc:
        problem = f"cannot read a hex key from {path}: {exc}"
        raise EdgeConfigError(Path(config), where, problem, fix) from exc
    if len(key) < MIN_KEY_BYTES:
        problem = f"{path} holds {len(key)} bytes; a signing key has at least {MIN_KEY_BYTES}"
        raise EdgeConfigError(Path(config), where, problem, fix)
    return key
