"""Apply a contract's retention to the object store, recorded so the audit still balances.

Per partition the store holds anything of (`assay.store.partitions`: partitions added to the
topic after its contract created it too), one transaction per run:

1. list the raw objects with their times, the watermarks (validated segments) and the
   expiry ledger; decide which layers of which segments are due (``_plan``);
2. read what each due layer holds (objects and readings, from object metadata and the
   segment's summary) and write the ledger extended with it — first, so that no object is
   ever missing without a record of why; a segment whose raw object goes keeps its seq runs
   per producer in the reports bucket (`seqruns`: made from the raw and dead-letter objects
   if it landed before they were recorded), so the release ledger still counts its seqs;
3. remove every version of each due object, older versions first.

Raw objects go last. A crash after 2 leaves objects the ledger already counts as removed;
their raw object is still stored, so the audit counts the segment from it, and the next run
decides that segment afresh and removes the rest (the ledger keeps its first record).
Then the objects no segment owns — accepted rows' curated objects and claim-checks — are
recorded in the contract's object ledger and removed the same way (``_objects``). Then,
for the contract's prefixes in the data layers and its claim-checks, versions replaced
longer ago than their layer's retention are removed. The reports bucket keeps every
version (summaries and the ledgers are the accounting); the releases bucket is never
listed or written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from assay.errors import AssayError
from assay.govern.retention._objects import commit_objects, due_objects
from assay.govern.retention._plan import Periods, due_layers, noncurrent_due
from assay.pipeline.ingest import seqruns
from assay.pipeline.validate.curation import Summary
from assay.store import layout, partitions
from assay.store.buckets import Buckets
from assay.store.expiry import ExpiredObject, ExpiredSegment, Ledger, Removed, load_ledger
from assay.store.objects import VersionedStore
from assay.store.versions import ObjectVersion, by_key, remove_every_version
from schemas import Contract

Place = tuple[str, str]  # (bucket, key)


class RetentionRefused(AssayError):
    """Retention would touch the releases bucket (a layer is configured to the same name)."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        super().__init__(
            f"retention refused: bucket {bucket!r} holds releases and a pipeline layer; "
            "releases are never expired (give the layers their own buckets)"
        )


@dataclass
class RetentionRun:
    """What one run removed (or, with ``dry_run``, would remove) for one contract."""

    contract: str
    now: datetime
    dry_run: bool
    expired: list[tuple[int, ExpiredSegment]] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    noncurrent: Counter[str] = field(default_factory=Counter)
    objects: list[ExpiredObject] = field(default_factory=list)

    def layers(self) -> dict[str, tuple[int, int, int]]:
        """Per layer: (segments, objects, readings) removed by this run."""
        totals: dict[str, tuple[int, int, int]] = {}
        for _, entry in self.expired:
            for name, removed in entry.layers.items():
                segments, objects, readings = totals.get(name, (0, 0, 0))
                totals[name] = (
                    segments + 1,
                    objects + removed.objects,
                    readings + removed.readings,
                )
        for gone in self.objects:  # objects no segment owns: accepted rows, claim-checks
            segments, objects, readings = totals.get(gone.layer, (0, 0, 0))
            totals[gone.layer] = (segments, objects + 1, readings + gone.readings)
        return totals


def apply_retention(
    store: VersionedStore,
    buckets: Buckets,
    contract: Contract,
    now: datetime,
    *,
    dry_run: bool = False,
) -> RetentionRun:
    """Remove what the contract's retention says is due at ``now``; what was removed."""
    layers = {buckets.raw, buckets.deadletter, buckets.quarantine, buckets.curated, buckets.reports}
    if buckets.releases in layers:
        raise RetentionRefused(buckets.releases)
    run, periods = RetentionRun(contract.name, now, dry_run), Periods.of(contract)
    removed: set[Place] = set()
    for partition in partitions.stored(store, buckets, contract):
        removed |= _partition(store, buckets, contract, partition, periods, run)
    due = due_objects(store, buckets, contract, now, periods.curated)
    run.objects = [entry for entry, _ in due]
    if not dry_run:
        commit_objects(store, buckets, contract, due, now)
    removed |= {place for _, place in due}
    _noncurrent(store, buckets, contract, periods, run, removed)
    return run


def _partition(
    store: VersionedStore,
    buckets: Buckets,
    contract: Contract,
    partition: int,
    periods: Periods,
    run: RetentionRun,
) -> set[Place]:
    ledger = load_ledger(store, buckets.reports, contract.name, contract.major, partition)
    prefix = layout.partition_prefix(contract.name, contract.major, partition)
    validated = set(store.keys(buckets.reports, f"state/{prefix}"))
    raw = {v.key: v for v in store.list_versions(buckets.raw, prefix) if _stored_segment(v)}
    work: list[tuple[ExpiredSegment, list[Place]]] = []
    for key, version in raw.items():
        # A stored raw object is removed last, so its segment may still hold objects the
        # ledger already counts (a run that stopped half-way): decide as if nothing was done.
        seg = layout.Segment.parse(key)
        ready = layout.watermark_key(contract.name, contract.major, seg) in validated
        due = due_layers(version.modified, run.now, periods, validated=ready, done=set())
        if not ready and run.now - version.modified >= periods.raw:
            run.waiting.append(seg.stem)
        if due:
            work.append(_expire(store, buckets, contract, seg, version, due, run.now))
    for stem, known in ledger.segments.items():
        if layout.raw_key(contract.name, contract.major, layout.Segment.parse(stem)) in raw:
            continue
        landed = datetime.fromisoformat(known.landed)
        due = due_layers(landed, run.now, periods, validated=True, done=set(known.layers))
        if due:
            work.append(_expire_more(store, buckets, contract, known, due, run.now))
    if not run.dry_run:
        _keep_seqs(store, buckets, contract, [entry for entry, _ in work])
    return _commit(store, buckets, ledger, partition, work, run)


def _keep_seqs(
    store: VersionedStore, buckets: Buckets, contract: Contract, entries: list[ExpiredSegment]
) -> None:
    """Make sure every segment whose raw object goes has its seq runs stored first."""
    for entry in entries:
        if "raw" in entry.layers:
            seqruns.ensure(store, buckets, contract, layout.Segment.parse(entry.segment))


def _stored_segment(version: ObjectVersion) -> bool:
    return version.latest and not version.delete_marker and version.key.endswith(".parquet")


def _expire(
    store: VersionedStore,
    buckets: Buckets,
    contract: Contract,
    seg: layout.Segment,
    version: ObjectVersion,
    due: list[str],
    now: datetime,
) -> tuple[ExpiredSegment, list[Place]]:
    """The ledger entry and the objects of a segment whose raw object is still stored."""
    meta = store.head(buckets.raw, version.key) or {}
    entry = ExpiredSegment(
        segment=seg.stem,
        start_offset=int(meta["start-offset"]),
        end_offset=int(meta["end-offset"]),
        records=int(meta["records"]),
        readings=int(meta["readings"]),
        dead_readings=int(meta["dead-readings"]),
        landed=version.modified.isoformat(),
        skipped_by=meta.get("skipped-by", ""),
    )
    return _expire_more(store, buckets, contract, entry, due, now)


def _expire_more(
    store: VersionedStore,
    buckets: Buckets,
    contract: Contract,
    entry: ExpiredSegment,
    due: list[str],
    now: datetime,
) -> tuple[ExpiredSegment, list[Place]]:
    """``entry`` with the ``due`` layers removed today, and the objects they hold."""
    seg = layout.Segment.parse(entry.segment)
    places: list[Place] = []
    layers: dict[str, Removed] = {}
    for layer in due:
        found = _holdings(store, buckets, contract, seg, layer)
        readings = sum(n for _, n in found)
        layers[layer] = Removed(objects=len(found), readings=readings, on=now.date().isoformat())
        places += [place for place, _ in found]
    return replace(entry, layers=layers), places


def _holdings(
    store: VersionedStore, buckets: Buckets, contract: Contract, seg: layout.Segment, layer: str
) -> list[tuple[Place, int]]:
    """The objects one layer holds of a segment, each with its readings."""
    name, major = contract.name, contract.major
    if layer == "curated":
        data = _get(store, buckets.reports, layout.report_prefix(name, major, seg) + "summary.json")
        keys = Summary.loads(data).curated_keys if data else []
        return _counted(store, buckets.curated, keys, "rows")
    bucket, count = {
        "raw": (buckets.raw, "readings"),
        "deadletter": (buckets.deadletter, "dead-readings"),
        "quarantine": (buckets.quarantine, "rows"),
    }[layer]
    held = _counted(store, bucket, [layout.raw_key(name, major, seg)], count)
    if layer == "deadletter":  # readings whose validation an operator skipped, if any
        held += _counted(store, bucket, [layout.skipped_key(name, major, seg)], "rows")
    return held


def _counted(
    store: VersionedStore, bucket: str, keys: list[str], count: str
) -> list[tuple[Place, int]]:
    heads = [(key, store.head(bucket, key)) for key in keys]
    return [((bucket, key), int(meta.get(count, 0))) for key, meta in heads if meta is not None]


def _get(store: VersionedStore, bucket: str, key: str) -> bytes | None:
    return store.get(bucket, key) if store.head(bucket, key) is not None else None


def _commit(
    store: VersionedStore,
    buckets: Buckets,
    ledger: Ledger,
    partition: int,
    work: list[tuple[ExpiredSegment, list[Place]]],
    run: RetentionRun,
) -> set[Place]:
    """Write the ledger, then remove the objects (nothing at all on a dry run)."""
    run.expired += [(partition, entry) for entry, _ in work]
    places = {place for _, found in work for place in found}
    if run.dry_run or not work:
        return places
    key, page = ledger.page([entry for entry, _ in work], run.now)
    store.create(buckets.reports, key, page, content_type="application/json")
    # Raw objects go last: a stored raw object marks a segment whose removal may be unfinished.
    for bucket, key in sorted(places, key=lambda p: (p[0] == buckets.raw, p)):
        remove_every_version(store, bucket, key)
    return places


def _noncurrent(
    store: VersionedStore,
    buckets: Buckets,
    contract: Contract,
    periods: Periods,
    run: RetentionRun,
    removed: set[Place],
) -> None:
    """Remove versions replaced longer ago than their layer keeps data."""
    dataset = layout.dataset_prefix(contract.name, contract.major)
    places = [
        (buckets.raw, dataset, periods.raw),
        (buckets.deadletter, dataset, periods.raw),
        (buckets.quarantine, dataset, periods.raw),
        (buckets.curated, dataset, periods.curated),
        (buckets.raw, layout.claims_prefix(contract.name), periods.curated),
    ]
    for bucket, prefix, keep in places:
        for key, versions in by_key(store.list_versions(bucket, prefix)).items():
            if (bucket, key) in removed:
                continue
            for version in noncurrent_due(versions, run.now, keep):
                if not run.dry_run:
                    store.remove_version(bucket, key, version.version_id)
                run.noncurrent[bucket] += 1
