"""Everything a readiness report is computed from, read once from the object store.

The inputs are the release (manifest and data files, each checked against its sha256), the
validation reports of the release's segments (``summary.json`` and ``validation.json`` in
the reports bucket) and the contract's quarantine objects. Nothing else: every figure in
the report can be recomputed from these objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from assay.govern.releases import ReleaseTampered, read_manifest
from assay.govern.releases._manifest import MANIFEST, data_files, sha256
from assay.pipeline.validate.curation import Summary
from assay.store import layout
from assay.store.buckets import Buckets
from assay.store.migration import as_written
from assay.store.objects import ObjectStore
from assay.store.parquet import from_parquet

DATA_COLUMNS = ("site", "device_id", "producer_id", "event_time")


@dataclass(frozen=True)
class RuleCheck:
    """How many rows one rule checked in one segment (from its Great Expectations result)."""

    rule: str
    kind: str
    dimension: str
    severity: str
    checked: int


@dataclass(frozen=True)
class Inputs:
    """One release and the reports and quarantined rows behind it."""

    manifest: dict[str, Any]
    manifest_sha256: str
    data: dict[str, pa.Table]  # release file path -> the columns in DATA_COLUMNS it has
    summaries: dict[str, Summary]  # segment stem -> summary
    rule_checks: dict[str, list[RuleCheck]]  # segment stem -> its rules, in suite order
    quarantine: dict[str, pa.Table]  # quarantine object key -> its rows


def load_inputs(store: ObjectStore, buckets: Buckets, contract: str, version: str) -> Inputs:
    """Read a release, its segments' reports and the contract's quarantined rows."""
    manifest = read_manifest(store, buckets.releases, contract, version)
    raw_manifest = store.get(buckets.releases, layout.release_prefix(contract, version) + MANIFEST)
    summaries, checks = {}, {}
    for entry in manifest["reports"]:
        summary, rules = _segment_reports(store, entry)
        if summary is not None:
            summaries[entry["segment"]] = summary
        if rules is not None:
            checks[entry["segment"]] = rules
    return Inputs(
        manifest=manifest,
        manifest_sha256=sha256(raw_manifest),
        data=_release_data(store, buckets.releases, manifest),
        summaries=summaries,
        rule_checks=checks,
        quarantine=_quarantine(store, buckets.quarantine, manifest),
    )


def _release_data(store: ObjectStore, bucket: str, manifest: dict[str, Any]) -> dict[str, pa.Table]:
    contract, version = manifest["release"]["contract"], manifest["release"]["version"]
    tables, tampered = {}, []
    for entry in data_files(manifest):
        data = store.get(bucket, layout.release_prefix(contract, version) + entry.path)
        if sha256(data) != entry.sha256:
            tampered.append(entry.path)
            continue
        table = from_parquet(data)
        tables[entry.path] = table.select([c for c in DATA_COLUMNS if c in table.column_names])
    if tampered:
        raise ReleaseTampered(contract, version, tampered)
    return tables


def _segment_reports(
    store: ObjectStore, entry: dict[str, Any]
) -> tuple[Summary | None, list[RuleCheck] | None]:
    bucket = entry["bucket"]
    summary = _verified(store, bucket, entry["summary"])
    validation = _verified(store, bucket, entry["validation"])
    return (
        Summary.loads(summary) if summary is not None else None,
        rule_checks(json.loads(validation)) if validation is not None else None,
    )


def _verified(store: ObjectStore, bucket: str, ref: dict[str, str] | None) -> bytes | None:
    """A report the manifest points at, only if it still has the recorded checksum.

    ``assay store migrate`` may have renamed it since (the manifest keeps the old name):
    then it is found under its new name and read as it was written, names and all, so
    the report is made of exactly what the manifest's checksum pins.
    """
    if ref is None:
        return None
    key = ref["key"]
    if store.head(bucket, key) is None:
        key = layout.renamed_key(key) or key
        if store.head(bucket, key) is None:
            return None
    data = as_written(store.get(bucket, key), ref["key"])
    return data if sha256(data) == ref["sha256"] else None


def rule_checks(result: dict[str, Any]) -> list[RuleCheck]:
    """Rows checked per rule in a validation result: elements minus missing (as curation counts)."""
    found = []
    for item in result.get("results", ()):
        meta = item["expectation_config"]["meta"]
        stats = item.get("result") or {}
        checked = int(stats.get("element_count", 0)) - int(stats.get("missing_count") or 0)
        found.append(
            RuleCheck(meta["rule_id"], meta["kind"], meta["dimension"], meta["severity"], checked)
        )
    return found


def _quarantine(store: ObjectStore, bucket: str, manifest: dict[str, Any]) -> dict[str, pa.Table]:
    """Every quarantine object of the contract's major version (the window is applied later)."""
    prefix = layout.dataset_prefix(manifest["contract"]["name"], manifest["contract"]["major"])
    keys = [k for k in store.keys(bucket, prefix) if k.endswith(".parquet")]
    return {key: from_parquet(store.get(bucket, key)) for key in keys}
