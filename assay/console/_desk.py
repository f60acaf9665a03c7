"""What the console needs to write releases: the releaser role's store, and the site's terms.

The console reads everything with the steward role's keys (`_backend.steward_backend`), and
the steward role may not write the releases bucket. Requesting, approving, rejecting
and withdrawing a release are the releaser's writes, so only these four routes build a
`Desk` from settings turned to the releaser role; nothing else in the console sees those
keys, and root's are never used. Tests build a `Desk` over a `MemoryStore`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assay.config import RELEASER, Settings
from assay.govern.releases import Buckets, MaskingKey
from assay.store.objects import ObjectStore

Announce = Callable[[dict[str, Any], str], None]


@dataclass(frozen=True)
class Desk:
    """The release writer: store and buckets as the releaser, the key, the lock terms."""

    store: ObjectStore
    buckets: Buckets
    key: Callable[[], MaskingKey]  # read when a request is made, not at start
    lock_days: int
    lock_mode: str
    single_steward: bool
    announce: Announce = lambda manifest, link: None  # tell the stewards a request waits


def releaser_desk(settings: Settings) -> Desk:
    """The real desk: S3 as the releaser role, the masking key and terms of ``settings``."""
    from assay.govern.notify import notify, pending_approval
    from assay.govern.releases import LockedS3Store, masking_key

    releaser = settings.as_role(RELEASER)

    def announce(manifest: dict[str, Any], link: str) -> None:
        notify(releaser, pending_approval(manifest, link))

    return Desk(
        store=LockedS3Store(releaser),
        buckets=Buckets.from_settings(releaser),
        key=lambda: masking_key(releaser),
        lock_days=releaser.release_lock_days,
        lock_mode=releaser.release_lock_mode,
        single_steward=releaser.single_steward,
        announce=announce,
    )
