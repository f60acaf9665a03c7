"""Which producer_ids each gateway may use, and the keys that prove which gateway wrote a record.

Kafka tells a consumer nothing about the principal that produced a record, so identity
travels with it (``schemas.signature``): every gateway principal gets

- a **signing key**, HKDF-SHA256 of the identity master key (salt ``assay.identity/1``,
  info ``kafka-principal NUL <principal>``). Only the platform holds the master key; a
  gateway holds its own derived key and can sign as nobody else. Ingest derives the key of
  whichever principal a record names and checks its signature;
- its **producer_id patterns** (``*`` matches any run of characters; default the principal's
  name and ``<name>-*``), kept in the *signers* registry: ``access/signers.json`` in the
  reports bucket, written by ``assay access kafka-gateway`` (and ``assay stack up`` for
  ``edge-demo``), read by validation. A bucket object, not a file, so a deployment's Airflow
  workers read the same registry as the machine that made the gateway.

A pattern also *reserves* what it matches: an unsigned reading whose producer_id a
registered gateway owns is an impersonation and is quarantined, even where the contract
accepts unsigned readings. ``*`` alone (``edge-demo``: the demo's and the tests' edge)
may use any producer_id and reserves none.

The master key is 32 random bytes in hex: ``ASSAY_IDENTITY_KEY``, else ``identity_key_file``
(default ``~/.config/assay/identity.key``, 0600, outside every state folder). Earlier keys a
rotation keeps honouring: ``assay.pipeline.validate.keyring``.
"""

from __future__ import annotations

import json
import re
import secrets
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assay import kdf
from assay.config import Settings
from assay.errors import ConfigError
from assay.private_files import read_or_create
from assay.store.objects import ObjectStore
from schemas.signature import KeyLookup

MIN_KEY_BYTES = 32
SALT = b"assay.identity/1"
ENV = "ASSAY_IDENTITY_KEY"
REGISTRY_KEY = "access/signers.json"
ANY = "*"
PATTERN = re.compile(r"[A-Za-z0-9._:*-]{1,128}")


class IdentityKeyError(ConfigError):
    """The identity master key is malformed, too short or readable by others."""

    def __init__(self, source: str, problem: str) -> None:
        self.source, self.problem = source, problem
        super().__init__(f"identity key {source} {problem}", places=[source])


def _hkdf(secret: bytes, info: bytes, length: int = 32) -> bytes:
    return kdf.hkdf(secret, salt=SALT, info=info, length=length)


@dataclass(frozen=True)
class IdentityKey:
    """The identity master key (never leaves the platform) and where it came from."""

    secret: bytes = field(repr=False)
    source: str = "given"

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_BYTES:
            problem = f"is {len(self.secret)} bytes; it needs at least {MIN_KEY_BYTES}"
            raise IdentityKeyError(self.source, problem)

    @property
    def key_id(self) -> str:
        """16 hex digits naming this key; they reveal nothing of it."""
        return _hkdf(self.secret, b"assay.identity.key-id", 8).hex()

    def for_principal(self, principal: str) -> bytes:
        """The signing key of one gateway principal."""
        return _hkdf(self.secret, b"kafka-principal\x00" + principal.encode("utf-8", "replace"))

    def lookup(self) -> KeyLookup:
        """Principal -> signing key, each derived once."""
        return lru_cache(maxsize=1024)(self.for_principal)


def identity_key(settings: Settings, *, create: bool = False) -> IdentityKey | None:
    """``ASSAY_IDENTITY_KEY``, else the key file; None when there is none and not ``create``."""
    configured = settings.identity_key.get_secret_value()
    if configured:
        return parse_identity_key(configured, ENV)
    path = settings.identity_key_file.expanduser()
    if not create and not path.is_file():
        return None
    text = read_or_create(path, new_key_text)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise IdentityKeyError(str(path), f"is readable by others (mode {mode:o}); chmod 600 it")
    return parse_identity_key(text.decode(), str(path))


def new_key_text() -> bytes:
    """A fresh master key as the key file holds it: 32 random bytes in hex."""
    return (secrets.token_hex(MIN_KEY_BYTES) + "\n").encode()


def parse_identity_key(text: str, source: str) -> IdentityKey:
    try:
        return IdentityKey(bytes.fromhex(text.strip()), source)
    except ValueError:
        raise IdentityKeyError(source, "is not hex (`openssl rand -hex 32`)") from None


def default_patterns(principal: str) -> tuple[str, ...]:
    """The producer_ids a gateway may use unless told otherwise: its name, and ``<name>-*``."""
    return (principal, f"{principal}-*")


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split(ANY)), re.DOTALL)


def matches(pattern: str, producer_id: str) -> bool:
    """Whether ``producer_id`` as a whole matches ``pattern`` (``*``: any run of characters)."""
    return _regex(pattern).fullmatch(producer_id) is not None


@dataclass(frozen=True)
class Signers:
    """The registry: each gateway principal's producer_id patterns."""

    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def may_use(self, principal: str, producer_id: str) -> bool:
        """Whether a registered ``principal`` may write readings as ``producer_id``."""
        return any(matches(p, producer_id) for p in self.patterns.get(principal, ()))

    def owner(self, producer_id: str) -> str | None:
        """The first principal whose patterns (``*`` alone aside) reserve ``producer_id``."""
        for principal, patterns in sorted(self.patterns.items()):
            if any(p != ANY and matches(p, producer_id) for p in patterns):
                return principal
        return None

    def with_signer(self, principal: str, patterns: tuple[str, ...]) -> Signers:
        """The registry with ``principal``'s patterns set."""
        return Signers({**self.patterns, principal: tuple(patterns)})

    def dumps(self) -> bytes:
        """The stored form."""
        body = {"signers": {k: list(v) for k, v in sorted(self.patterns.items())}}
        return json.dumps(body, indent=1).encode()

    @classmethod
    def loads(cls, data: bytes) -> Signers:
        """Parse the stored form."""
        body = json.loads(data)
        return cls({str(k): tuple(str(p) for p in v) for k, v in body["signers"].items()})


def load_signers(store: ObjectStore, bucket: str) -> Signers:
    """The registry in ``bucket`` (empty when none was written)."""
    if store.head(bucket, REGISTRY_KEY) is None:
        return Signers()
    return Signers.loads(store.get(bucket, REGISTRY_KEY))


def register_signer(
    store: ObjectStore, bucket: str, principal: str, patterns: tuple[str, ...]
) -> Signers:
    """Set one principal's patterns in the registry; the registry as written."""
    for pattern in patterns:
        if not PATTERN.fullmatch(pattern):
            raise IdentityKeyError(pattern, "is not a producer_id pattern ([A-Za-z0-9._:-] and *)")
    signers = load_signers(store, bucket).with_signer(principal, patterns)
    store.put(bucket, REGISTRY_KEY, signers.dumps(), content_type="application/json")
    return signers


def write_signing_key(path: Path, key: bytes) -> None:
    """A gateway's signing key as hex, 0600 (copy it to the gateway)."""
    from assay.private_files import write_private

    write_private(path, key.hex().encode() + b"\n")
