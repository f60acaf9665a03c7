"""What is in the store for a contract: objects and row counts per layer, read from metadata."""

from __future__ import annotations

from dataclasses import dataclass

from assay.config import Settings
from assay.store import layout
from assay.store.objects import ObjectStore
from schemas import Contract


@dataclass(frozen=True)
class Layer:
    """One layer (raw, curated, quarantine, dead letters) of one contract version."""

    name: str
    bucket: str
    objects: int
    rows: int


def layers(store: ObjectStore, settings: Settings, contract: Contract) -> list[Layer]:
    """Every layer of a contract's current major version with its object and row counts."""
    prefix = layout.dataset_prefix(contract.name, contract.major)
    spec = [
        ("raw", settings.bucket_raw, "readings"),
        ("dead letters", settings.bucket_deadletter, "dead-readings"),
        ("curated", settings.bucket_curated, "rows"),
        ("quarantine", settings.bucket_quarantine, "rows"),
    ]
    found = []
    for name, bucket, count_key in spec:
        keys = [k for k in store.keys(bucket, prefix) if k.endswith(".parquet")]
        rows = sum(int((store.head(bucket, k) or {}).get(count_key, 0)) for k in keys)
        found.append(Layer(name, bucket, len(keys), rows))
    return found
