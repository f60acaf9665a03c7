"""Request a release: snapshot, masking, manifest, card, Croissant, written as a draft.

Layout in the releases bucket (the bucket holds nothing else, so no extra prefix)::

    _drafts/<contract>/<version>/claim.json       first: who got to request this version
    _drafts/<contract>/<version>/data/date=<date>/<site>-<nnnn>.parquet
    _drafts/<contract>/<version>/README.md        dataset card (简体中文, English)
    _drafts/<contract>/<version>/croissant.json   Croissant 1.1 + RAI 1.0, PROV-O
    _drafts/<contract>/<version>/<contract>.yaml  the contract; odcs.yaml: the same as ODCS v3.1.0
    _drafts/<contract>/<version>/manifest.json    the draft manifest, with ``request``
    _drafts/<contract>/<version>/request.json     who asked, when, why, the manifest's sha256; last

Requesting is a transaction of create-only writes, nothing retained yet:

1. everything is built in memory first (an empty window or a bad grant burns nothing);
2. ``claim.json`` is created: of two runs requesting one version, exactly one succeeds,
   the other stops with `ReleaseExists` having written nothing;
3. the data, card, Croissant and draft manifest are created, each refused if taken;
4. ``request.json`` is created last: the draft is complete and waits for a decision.

A run that dies after 2 leaves the version claimed: request a new version. Approval
(`_approval`) publishes the draft under ``<contract>/<version>/`` with retention; a
version is never replaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from assay.errors import ObjectExists
from assay.govern.releases import _card, _croissant, _ledger, _lineage, _manifest, _snapshot
from assay.govern.releases._contract_docs import contract_documents
from assay.govern.releases._errors import InvalidRelease, NothingToRelease, ReleaseExists
from assay.govern.releases._lineage import Buckets
from assay.govern.releases._lock import CLAIM, LockTerms
from assay.govern.releases._masking import METHOD, FieldTreatment, plan_masking
from assay.govern.releases._masking_key import KDF, SALT, MaskingKey
from assay.govern.releases._provenance import data_provenance, origin_geography
from assay.govern.releases._quality import quality_summary
from assay.store.layout import draft_prefix, release_prefix
from assay.store.objects import ObjectStore
from schemas import Contract

if TYPE_CHECKING:
    from assay.govern.ledger import LedgerInputs

REQUEST = "request.json"
#: Licences a request may name, with what each allows; any URL or SPDX id is accepted.
LICENCES = {
    "CC-BY-4.0": "attribution; derivatives (trained models) and commercial use allowed",
    "CDLA-Permissive-2.0": "written for data: results of computation (models) are unrestricted",
    "CC-BY-SA-4.0": "attribution, share-alike; derivatives allowed under the same licence",
    "CC-BY-NC-4.0": "attribution, non-commercial; derivatives allowed",
    "CC-BY-NC-ND-4.0": "no derivatives: a model trained on it may count as one",
    "LicenseRef-<name>": "a data-use agreement of your own with the pilot base",
}
VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ReleaseRequest:
    """What to release: a contract's curated data in a date window, as one version."""

    contract: Contract
    version: str
    date_from: date
    date_to: date
    created: datetime
    licence: str
    grants: frozenset[str] = field(default_factory=frozenset)
    #: Who the release is for (a pilot base); part of what its masking key is derived from.
    recipient: str = ""
    #: The steward who asks for it, and why; recorded in the manifest's ``request``.
    requested_by: str = ""
    comment: str = ""
    #: ``assay-edge status --json`` documents as (where it came from, its bytes): the edge's
    #: side of the ledger.
    edge_reports: tuple[tuple[str, bytes], ...] = ()
    #: A steward's reason for releasing a window whose counts do not reconcile; recorded.
    accept_gap: str = ""
    #: Site id -> its name and address (setting ``enterprise_sites``): the D&TA origin.
    sites: Mapping[str, str] = field(default_factory=dict)

    @property
    def window(self) -> tuple[str, str]:
        """The window as ISO dates."""
        return self.date_from.isoformat(), self.date_to.isoformat()

    @property
    def prefix(self) -> str:
        """``<contract>/<version>/``: where the release is published."""
        return release_prefix(self.contract.name, self.version)

    @property
    def draft(self) -> str:
        """``_drafts/<contract>/<version>/``: where it waits for approval."""
        return draft_prefix(self.contract.name, self.version)


@dataclass(frozen=True)
class Release:
    """A release (or a draft) as written: where, its manifest, the version id of each object."""

    bucket: str
    prefix: str
    manifest: dict[str, Any]
    versions: dict[str, str | None]


def draft_release(
    store: ObjectStore,
    buckets: Buckets,
    request: ReleaseRequest,
    key: MaskingKey,
    terms: LockTerms,
    progress: Progress = lambda _: None,
    inputs: LedgerInputs | None = None,
) -> Release:
    """Build one release, masked with its own key derived from ``key``, and write it as a
    draft awaiting approval; refuse a version requested or released before, and a window
    whose ledger has gaps nobody accepted (`UnreconciledWindow`).

    ``terms`` are the retention approval will apply (the manifest states them); ``inputs``
    are Kafka's offsets and the edge reports for the ledger (`assay.govern.ledger.
    ledger_inputs`; None: the request's report files alone, Kafka not consulted)."""
    check_request(request)
    if not request.requested_by.strip():
        raise InvalidRelease("a release request names its requester", value="")
    if store.head(buckets.releases, request.prefix + _manifest.MANIFEST) is not None:
        raise ReleaseExists(request.contract.name, request.version)
    plan = plan_masking(request.contract, request.grants)
    files = _data(store, buckets, request, plan, key, progress)
    accepted = request.accept_gap.strip()
    acceptance = {"by": request.requested_by, "at": _iso(request.created), "reason": accepted}
    ledger = _ledger.window_ledger(
        store, buckets, request.contract, request.window, request.edge_reports,
        acceptance if accepted else None, (plan, files), inputs,
    )  # fmt: skip
    progress(f"ledger: {len(ledger['producers'])} producers, {len(ledger['gaps'])} gaps")
    body = manifest_body(store, buckets, request, plan, files, key, terms, ledger)
    documents = {
        "README.md": (_card.render_card(body, request.contract), "text/markdown; charset=utf-8"),
        "croissant.json": (
            _json(_croissant.croissant(body, request.contract, release_url(buckets, request))),
            "application/ld+json",
        ),
        **contract_documents(request.contract),
    }
    manifest = {
        **body,
        "documents": [_manifest.document_entry(p, d).to_dict() for p, (d, _) in documents.items()],
    }
    manifest = _ordered(manifest)
    objects = [(f.entry.path, f.data, "application/vnd.apache.parquet") for f in files]
    objects += [(path, data, kind) for path, (data, kind) in documents.items()]
    objects.append((_manifest.MANIFEST, _manifest.dumps(manifest), "application/json"))
    _write_draft(store, buckets.releases, request, objects, progress)
    return Release(buckets.releases, request.draft, manifest, {})


def check_licence(licence: str) -> None:
    """A release names its licence explicitly: `InvalidRelease` listing sensible ones."""
    if licence.strip():
        return
    choices = "; ".join(f"{name} ({why})" for name, why in LICENCES.items())
    raise InvalidRelease(f"choose the release's licence with --licence: {choices}", value="")


def release_url(buckets: Buckets, request: ReleaseRequest) -> str:
    """Where a release lives, as an absolute URL: ``s3://<bucket>/<contract>/<version>/``."""
    return f"s3://{buckets.releases}/{request.prefix}"


def check_request(request: ReleaseRequest) -> None:
    """Refuse a malformed version, an empty window or a missing licence."""
    check_licence(request.licence)
    if not VERSION.fullmatch(request.version):  # `$` alone would let "1.0.0\n" through
        raise InvalidRelease(
            f"release version {request.version!r} is not X.Y.Z", value=request.version
        )
    if request.date_from > request.date_to:
        raise InvalidRelease(f"--from {request.date_from} is after --to {request.date_to}")


def _data(
    store: ObjectStore,
    buckets: Buckets,
    request: ReleaseRequest,
    plan: list[FieldTreatment],
    key: MaskingKey,
    progress: Progress,
) -> list[_snapshot.DataFile]:
    groups = _snapshot.curated_in_window(store, buckets.curated, request.contract, request.window)
    if not groups:
        raise NothingToRelease(request.contract.name, request.window, buckets.curated)
    progress(f"{sum(len(k) for k in groups.values())} curated objects in {len(groups)} partitions")
    c = request.contract
    mask = _snapshot.masker(
        plan, key.for_release(c.name, request.version, request.recipient), c.name
    )
    tag = _snapshot.release_tag(request.contract.name, request.version)
    return _snapshot.build_files(store, buckets.curated, request.contract, groups, mask, tag)


def manifest_body(
    store: ObjectStore,
    buckets: Buckets,
    request: ReleaseRequest,
    plan: list[FieldTreatment],
    files: list[_snapshot.DataFile],
    key: MaskingKey,
    terms: LockTerms,
    ledger: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything in the manifest but ``documents`` (the card and Croissant are built from it)."""
    c = request.contract
    sources = [s for f in files for s in f.entry.sources]
    segments = _lineage.segments_of(sources)
    reports = [_lineage.segment_reports(store, buckets, c, seg) for seg in segments]
    body: dict[str, Any] = {
        "format": _manifest.FORMAT,
        "release": {
            "contract": c.name,
            "version": request.version,
            "created": _iso(request.created),
            "licence": request.licence,
            "recipient": request.recipient or None,
        },
        "request": {
            "by": request.requested_by,
            "at": _iso(request.created),
            "comment": request.comment,
        },
        "contract": _contract(c),
        "window": {"from": request.window[0], "to": request.window[1]},
        "files": [f.entry.to_dict() for f in files],
        "totals": _totals(files),
        "fields": _fields(plan, _snapshot.released_types(files)),
        "masking": _masking(plan, key, request),
        "lineage": {
            "curated_bucket": buckets.curated,
            "raw_bucket": buckets.raw,
            "segments": [_lineage.segment_lineage(store, buckets, c, seg) for seg in segments],
        },
        "reports": [entry for entry, _ in reports],
        "decisions": _lineage.decisions_of(store, buckets, c, sorted(set(sources))),
        "quality": quality_summary([s for _, s in reports if s is not None]),
        "lock": terms.to_dict(),
    }
    body |= {"ledger": ledger} if ledger is not None else {}
    where = origin_geography(body["totals"]["sites"], request.sites)
    return body | {"data_provenance": data_provenance(body, release_url(buckets, request), where)}


def _contract(c: Contract) -> dict[str, Any]:
    return {
        "name": c.name,
        "version": c.version,
        "major": c.major,
        "title": c.title.model_dump(),
        "description": c.description.model_dump(),
        "scenario": str(c.scenario),
        "security_level": str(c.security_level),
        "owner": c.owner,
        "key": list(c.key),
        "event_time": c.event_time,
    }


def _totals(files: list[_snapshot.DataFile]) -> dict[str, Any]:
    firsts = [f.first_event for f in files if f.first_event is not None]
    lasts = [f.last_event for f in files if f.last_event is not None]
    return {
        "files": len(files),
        "rows": sum(f.entry.rows or 0 for f in files),
        "bytes": sum(f.entry.size for f in files),
        "sites": sorted({f.entry.site for f in files if f.entry.site}),
        "devices": sorted(set().union(*(f.devices for f in files))),
        "first_event": _iso(min(firsts)) if firsts else None,
        "last_event": _iso(max(lasts)) if lasts else None,
    }


def _fields(plan: list[FieldTreatment], types: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "name": item.name,
            "type": types.get(item.name),
            "unit": item.spec.unit,
            "classification": str(item.spec.classification),
            "personal": item.spec.personal,
            "treatment": item.treatment,
            "description": item.spec.description.model_dump(),
        }
        for item in plan
    ]


def _masking(
    plan: list[FieldTreatment], key: MaskingKey, request: ReleaseRequest
) -> dict[str, Any]:
    by = {
        t: [p.name for p in plan if p.treatment == t]
        for t in ("granted", "dropped", "pseudonymised")
    }
    if not by["pseudonymised"]:
        return {"method": METHOD, "key_id": None, "derivation": None, **by}
    info = [request.contract.name, request.version, request.recipient]
    derivation = {"kdf": KDF, "salt": SALT.decode(), "info": info}
    return {"method": METHOD, "key_id": key.key_id, "derivation": derivation, **by}


def _ordered(manifest: dict[str, Any]) -> dict[str, Any]:
    order = ["format", "release", "request", "contract", "window", "files", "documents", "totals"]
    order.append("fields")
    return {k: manifest[k] for k in order} | {k: v for k, v in manifest.items() if k not in order}


def _write_draft(
    store: ObjectStore,
    bucket: str,
    request: ReleaseRequest,
    objects: list[tuple[str, bytes, str]],
    progress: Progress,
) -> None:
    claim = _json({"contract": request.contract.name, "version": request.version})
    _create(store, bucket, request, CLAIM, claim, "application/json")
    for path, data, kind in objects:
        _create(store, bucket, request, path, data, kind)
        progress(f"wrote {request.draft}{path} ({len(data):,} bytes)")
    manifest = dict((path, data) for path, data, _ in objects)[_manifest.MANIFEST]
    record = {
        "contract": request.contract.name,
        "version": request.version,
        "requested_by": request.requested_by,
        "requested_at": _iso(request.created),
        "comment": request.comment,
        "manifest_sha256": _manifest.sha256(manifest),
    }
    _create(store, bucket, request, REQUEST, _json(record), "application/json")


def _create(
    store: ObjectStore, bucket: str, request: ReleaseRequest, path: str, data: bytes, kind: str
) -> None:
    """Create one draft object; `ReleaseExists` if the key is taken (create-only)."""
    try:
        created = store.create(bucket, request.draft + path, data, content_type=kind)
    except ObjectExists:
        created = False
    if not created:
        raise ReleaseExists(request.contract.name, request.version, path)


def _json(document: dict[str, Any]) -> bytes:
    import json

    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
