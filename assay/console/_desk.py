"""What the console needs to write releases: the releaser role's store, and the site's terms.

The console reads everything with the steward role's keys (`_backend.steward_backend`), and
the steward role may not write the releases bucket. Requesting, approving, rejecting
and withdrawing a release are the releaser's writes, so only these four routes build a
`Desk` from settings turned to the releaser role; nothing else in the console sees those
keys, and root's are never used. A request's ledger reads Kafka's offsets and the edge
reports through `assay.govern.ledger.ledger_inputs`, as the command line and the release DAG
do. Tests build a `Desk` over a `MemoryStore`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assay.config import RELEASER, Settings
from assay.govern.releases import Buckets, MaskingKey
from assay.store.objects import ObjectStore

if TYPE_CHECKING:
    from assay.govern.ledger import LedgerInputs
    from schemas import Contract

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
    #: what a request's ledger starts from (None: Kafka not consulted, no edge reports)
    ledger: Callable[[Contract], LedgerInputs | None] = lambda contract: None


def releaser_desk(settings: Settings) -> Desk:
    """The real desk: S3 as the releaser role, the masking key and terms of ``settings``."""
    from assay.govern.ledger import ledger_inputs
    from assay.govern.notify import notify, pending_approval
    from assay.govern.releases import LockedS3Store, masking_key

    releaser = settings.as_role(RELEASER)
    store, buckets = LockedS3Store(releaser), Buckets.from_settings(releaser)

    def announce(manifest: dict[str, Any], link: str) -> None:
        notify(releaser, pending_approval(manifest, link))

    return Desk(
        store=store,
        buckets=buckets,
        key=lambda: masking_key(releaser),
        lock_days=releaser.release_lock_days,
        lock_mode=releaser.release_lock_mode,
        single_steward=releaser.single_steward,
        announce=announce,
        ledger=lambda contract: ledger_inputs(releaser, store, buckets, contract),
    )
