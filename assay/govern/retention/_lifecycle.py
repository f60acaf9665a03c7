"""S3 lifecycle rules for what a rule may remove on its own: replaced versions.

A lifecycle rule can neither wait for validation nor write the expiry ledger, so current
objects always expire through `apply_retention` (the command and the daily DAG). What a
rule can do safely is what the command's sweep does too: remove versions replaced longer
ago than their layer keeps data, and delete markers with nothing left behind them. Where
the server supports lifecycle configuration, ``assay stack up`` installs one rule per
contract and data-layer bucket; where it answers ``NotImplemented`` (Versity Gateway 1.8)
that is reported and the command's sweep is the only one. The sweep runs either way, so a
server that accepts rules but does not act on them loses nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from assay.config import Settings
from assay.errors import StoreError
from assay.govern.retention._plan import Periods
from assay.store import layout
from schemas import Contract

if TYPE_CHECKING:
    from minio import Minio
    from minio.lifecycleconfig import LifecycleConfig, Rule

#: Data-layer buckets by role, each with the layer whose retention its versions follow.
LAYER_OF = {"raw": "raw", "deadletter": "raw", "quarantine": "raw", "curated": "curated"}
UNSUPPORTED = "NotImplemented"


def lifecycle_days(contract: Contract, role: str) -> int:
    """Whole days a replaced version of ``role``'s bucket is kept (rules count in days)."""
    period = Periods.of(contract).of_layer(LAYER_OF[role])
    return max(1, math.ceil(period.total_seconds() / 86400))


def lifecycle_rules(contracts: Iterable[Contract], role: str) -> list[Rule]:
    """One rule per contract version for a data-layer bucket."""
    from minio.commonconfig import ENABLED, Filter
    from minio.lifecycleconfig import Expiration, NoncurrentVersionExpiration, Rule

    return [
        Rule(
            ENABLED,
            rule_filter=Filter(prefix=layout.dataset_prefix(c.name, c.major)),
            rule_id=f"assay-{c.name}-v{c.major}-replaced",
            expiration=Expiration(expired_object_delete_marker=True),
            noncurrent_version_expiration=NoncurrentVersionExpiration(
                noncurrent_days=lifecycle_days(c, role)
            ),
        )
        for c in contracts
    ]


def install_lifecycle(settings: Settings, contracts: Iterable[Contract]) -> dict[str, str]:
    """Put the rules on every data-layer bucket (as root); per bucket ``rules set`` or why
    not (``NotImplemented``: the server has no lifecycle, `assay retention apply` sweeps)."""
    from minio.lifecycleconfig import LifecycleConfig

    from assay.store.objects import s3_client

    client, contracts = s3_client(settings), list(contracts)
    found = {}
    for role in LAYER_OF:
        config = LifecycleConfig(lifecycle_rules(contracts, role))
        found[settings.buckets[role]] = _put(client, settings.buckets[role], config)
    return found


def _put(client: Minio, bucket: str, config: LifecycleConfig) -> str:
    from minio.error import S3Error

    try:
        client.set_bucket_lifecycle(bucket, config)
    except S3Error as exc:
        if exc.code == UNSUPPORTED:
            return UNSUPPORTED
        raise StoreError(bucket, "?lifecycle", f"{exc.code}: {exc.message}") from exc
    return "rules set"
