"""Retention: each layer keeps data as long as its contract says, and the audit still balances.

``apply_retention`` removes a validated segment's raw, dead-letter and quarantine objects
once its raw object is ``retention.raw`` old, its curated objects once it is
``retention.curated`` old, and object versions replaced longer ago than that. The curated
objects of rows a steward accepted go with the segments the rows came from, and the edge's
claim-checks (images) at ``retention.curated`` after they were put. What it
removes goes into the partition's expiry ledger first (``assay.store.expiry``), which the
audit reads in place of the objects. Kafka topics get ``retention.kafka`` as their
``retention.ms`` from ``producers.topics.ensure_topics``. Releases are never touched.
Where the S3 server has lifecycle configuration, ``install_lifecycle`` adds rules for
replaced versions only (a rule cannot wait for validation or write the ledger).
"""

from assay.govern.retention._apply import RetentionRefused, RetentionRun, apply_retention
from assay.govern.retention._lifecycle import install_lifecycle, lifecycle_days, lifecycle_rules
from assay.govern.retention._plan import Periods, due_layers, noncurrent_due
from assay.govern.retention._run import run_retention, run_summary

__all__ = [
    "Periods",
    "RetentionRefused",
    "RetentionRun",
    "apply_retention",
    "due_layers",
    "install_lifecycle",
    "lifecycle_days",
    "lifecycle_rules",
    "noncurrent_due",
    "run_retention",
    "run_summary",
]
