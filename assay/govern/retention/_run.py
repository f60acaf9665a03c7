"""Retention against the configured S3 server, for the command and the DAG.

Both run as the pipeline role: the one role allowed to remove object versions, and only in
the four data layers (``assay.govern.access``). Topics get their ``retention.ms`` where they
are created and aligned (``assay topics ensure``, ``assay stack up``), by the admin
principal; the pipeline's Kafka principals may not alter topic settings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assay.config import PIPELINE, Settings
from assay.govern.retention._apply import RetentionRun, apply_retention
from assay.store.buckets import Buckets
from assay.store.objects import S3Store
from schemas import Contract


def run_retention(
    settings: Settings, contract: Contract, now: datetime, *, dry_run: bool = False
) -> RetentionRun:
    """Expire the contract's objects that are due at ``now``, as the pipeline role."""
    store = S3Store(settings.as_role(PIPELINE))
    return apply_retention(store, Buckets.from_settings(settings), contract, now, dry_run=dry_run)


def run_summary(run: RetentionRun) -> dict[str, Any]:
    """A run as plain JSON (what the Airflow task returns)."""
    return {
        "contract": run.contract,
        "now": run.now.isoformat(),
        "dry_run": run.dry_run,
        "layers": {
            layer: {"segments": s, "objects": o, "readings": r}
            for layer, (s, o, r) in run.layers().items()
        },
        "segments": [entry.segment for _, entry in run.expired],
        "waiting_for_validation": run.waiting,
        "noncurrent_versions": dict(run.noncurrent),
    }
