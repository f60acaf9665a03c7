"""Retention for objects no segment owns: accepted rows' curated objects and claim-checks.

- The curated object of rows a steward accepted holds curated rows of the segments the
  rows came from, so it goes with them: once the newest of those segments landed
  ``retention.curated`` ago (the object's own time where a segment's landing is unknown).
  The decision record stays in the quarantine bucket: with the summaries, it is the
  accounting the audit reads.
- A claim-check (``claims/<contract>/…`` in the raw bucket) is the image of a reading that
  may be curated, so it is kept as long as curated rows: ``retention.curated`` after it was
  put.

The order is the segments': the contract's object ledger gets a page first, then every
version of each object goes, so no object is missing without a record of why; a run that
stops between the two is finished by the next (the ledger keeps its first record).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from assay.govern.triage import TriageDecision, decisions
from assay.store import layout, partitions
from assay.store.buckets import Buckets
from assay.store.expiry import ExpiredObject, load_ledger, load_object_ledger
from assay.store.objects import VersionedStore
from assay.store.versions import ObjectVersion, by_key, remove_every_version
from schemas import Contract

Place = tuple[str, str]  # (bucket, key)
Due = list[tuple[ExpiredObject, Place]]


def due_objects(
    store: VersionedStore, buckets: Buckets, contract: Contract, now: datetime, keep: timedelta
) -> Due:
    """The accepted-rows objects and claim-checks ``keep`` old at ``now``, and where each is."""
    return _accepted(store, buckets, contract, now, keep) + _claims(
        store, buckets.raw, contract, now, keep
    )


def commit_objects(
    store: VersionedStore, buckets: Buckets, contract: Contract, due: Due, now: datetime
) -> None:
    """Record ``due`` in the contract's object ledger, then remove every version of each."""
    if not due:
        return
    ledger = load_object_ledger(store, buckets.reports, contract.name, contract.major)
    key, page = ledger.page([entry for entry, _ in due], now)
    store.create(buckets.reports, key, page, content_type="application/json")
    for _, (bucket, name) in due:
        remove_every_version(store, bucket, name)


def _accepted(
    store: VersionedStore, buckets: Buckets, contract: Contract, now: datetime, keep: timedelta
) -> Due:
    accepted = [d for d in decisions(store, buckets.quarantine, contract) if d.verdict == "accept"]
    landings = _landings(store, buckets, contract) if accepted else {}
    due: Due = []
    for decision in accepted:
        newest = _newest(decision, landings)
        for key, rows in decision.curated.items():
            version = _current(store, buckets.curated, key)
            landed = newest or (version.modified if version else now)
            if version is not None and now - landed >= keep:
                entry = ExpiredObject("accepted", key, rows, landed.isoformat(),
                                      now.date().isoformat(), decision.id)  # fmt: skip
                due.append((entry, (buckets.curated, key)))
    return due


def _claims(
    store: VersionedStore, bucket: str, contract: Contract, now: datetime, keep: timedelta
) -> Due:
    due: Due = []
    for key, versions in by_key(
        store.list_versions(bucket, layout.claims_prefix(contract.name))
    ).items():
        top = versions[0]
        if top.latest and not top.delete_marker and now - top.modified >= keep:
            entry = ExpiredObject(
                "claims", key, 0, top.modified.isoformat(), now.date().isoformat()
            )
            due.append((entry, (bucket, key)))
    return due


def _landings(store: VersionedStore, buckets: Buckets, contract: Contract) -> dict[str, datetime]:
    """When each segment of the contract landed: its raw object's time, else the ledger's."""
    found: dict[str, datetime] = {}
    for partition in partitions.stored(store, buckets, contract):  # added ones too
        ledger = load_ledger(store, buckets.reports, contract.name, contract.major, partition)
        found |= {stem: datetime.fromisoformat(e.landed) for stem, e in ledger.segments.items()}
        prefix = layout.partition_prefix(contract.name, contract.major, partition)
        for version in store.list_versions(buckets.raw, prefix):
            if version.latest and not version.delete_marker and version.key.endswith(".parquet"):
                found[layout.Segment.parse(version.key).stem] = version.modified
    return found


def _newest(decision: TriageDecision, landings: dict[str, datetime]) -> datetime | None:
    """The newest landing of the segments a decision's rows came from; None if one is unknown."""
    stems = {layout.Segment.parse(row.raw_object).stem for row in decision.rows}
    if not stems or not stems <= landings.keys():
        return None
    return max(landings[stem] for stem in stems)


def _current(store: VersionedStore, bucket: str, key: str) -> ObjectVersion | None:
    versions = [v for v in store.list_versions(bucket, key) if v.key == key]
    top = versions[0] if versions else None
    return top if top is not None and top.latest and not top.delete_marker else None
