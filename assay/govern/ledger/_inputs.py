"""What a release's ledger starts from besides the store: Kafka's offsets and the edge reports.

`ledger_inputs` is the one function the command line, the release DAG and the console call,
so all three build the same ledger from the same sources:

1. Kafka's offsets: per partition of the contract's topic the log start and end and the ingest
   group's committed offset (`assay.govern.audit.kafka_offsets`);
2. the edge's reports: the ``assay-edge status --json`` files a steward names (they win),
   else the newest trusted report per producer on the status topic (`_reports`), judged with
   the identity keyring and the signers registry in the reports bucket.

A Kafka error stops neither: the ledger says what was not consulted and why, and a release
then goes on only as its gaps allow (refused, or accepted by a steward).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assay.errors import KafkaRefused, KafkaUnavailable
from assay.govern.ledger._edge import EdgeTopic, parse_edge_report
from schemas import Contract, edge_status, topic_name

if TYPE_CHECKING:
    from assay.config import Settings
    from assay.govern.audit import OffsetsOf
    from assay.pipeline.ingest.deadletter import Record
    from assay.store.buckets import Buckets
    from assay.store.objects import ObjectStore
    from schemas.signature import KeyLookup

#: The consumer group named when reading the status topic: never joined, never committed.
READER_GROUP = "assay-release.edge-status"
_CHUNK_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class LedgerInputs:
    """Kafka's offsets (None: not consulted) and the edge reports, with what the ledger
    records about where each came from (``kafka``, ``reports``)."""

    offsets: OffsetsOf | None = None
    kafka: dict[str, Any] = field(
        default_factory=lambda: {"consulted": False, "problem": "not asked"}
    )
    edge: tuple[EdgeTopic, ...] = ()
    reports: dict[str, Any] = field(default_factory=lambda: {"source": "none"})


def from_files(files: tuple[tuple[str, bytes], ...], contract: Contract) -> LedgerInputs:
    """Reports handed over as files, Kafka not consulted (a caller without a broker)."""
    return LedgerInputs(edge=_files(files, contract), reports=_files_note(files))


def ledger_inputs(
    settings: Settings,
    store: ObjectStore,
    buckets: Buckets,
    contract: Contract,
    files: tuple[tuple[str, bytes], ...] = (),
    *,
    topic: str | None = None,
    group: str | None = None,
) -> LedgerInputs:
    """The offsets of ``topic`` (default the contract's) for ``group`` (default its ingest
    group), and the edge reports: ``files`` when given, else the status topic's."""
    from assay.pipeline.ingest.consumer import ingest_group

    group = group or ingest_group(contract.name)
    offsets, kafka = _offsets(settings, topic or topic_name(contract), group)
    if files:
        return LedgerInputs(offsets, kafka, _files(files, contract), _files_note(files))
    edge, reports = _from_topic(settings, store, buckets, contract)
    return LedgerInputs(offsets, kafka, edge, reports)


def _offsets(settings: Settings, topic: str, group: str) -> tuple[OffsetsOf | None, dict[str, Any]]:
    from assay.govern.audit import kafka_offsets

    try:
        return kafka_offsets(settings, topic, group), {"consulted": True, "problem": None}
    except (KafkaUnavailable, KafkaRefused) as exc:
        return None, {"consulted": False, "problem": str(exc)}


def _files(files: tuple[tuple[str, bytes], ...], contract: Contract) -> tuple[EdgeTopic, ...]:
    parsed = [parse_edge_report(data, src, topic_name(contract)) for src, data in files]
    return tuple(e for e in parsed if e is not None)


def _files_note(files: tuple[tuple[str, bytes], ...]) -> dict[str, Any]:
    return {"source": "files", "files": [src for src, _ in files]} if files else {"source": "none"}


def _from_topic(
    settings: Settings, store: ObjectStore, buckets: Buckets, contract: Contract
) -> tuple[tuple[EdgeTopic, ...], dict[str, Any]]:
    """The newest trusted report per producer on the status topic, and the ledger's note."""
    from assay.govern.ledger._reports import NAMED_REJECTED, newest
    from assay.pipeline.validate.signers import load_signers

    note: dict[str, Any] = {"source": "topic", "topic": edge_status.TOPIC}
    keys, note["keys"] = _keys(settings)
    signers = load_signers(store, buckets.reports)
    try:
        found = newest(read_status(settings), contract, keys, signers)
    except (KafkaUnavailable, KafkaRefused) as exc:  # Kafka shows an unreadable topic as unknown
        problem = f"{exc} (the topic is missing, or this principal may not read it)"
        return (), note | {"consulted": False, "problem": problem}
    rejected = [r.to_dict() for r in found.rejected]
    note |= {"consulted": True, "problem": None, "rejected_count": len(rejected),
             "rejected": rejected[-NAMED_REJECTED:]}  # fmt: skip
    return tuple(found.reports.values()), note


def _keys(settings: Settings) -> tuple[KeyLookup, str]:
    """Each gateway's signing keys, and how signatures were checked (for the ledger)."""
    from assay.errors import ConfigError
    from assay.pipeline.validate.keyring import identity_keyring

    try:
        ring = identity_keyring(settings)
    except ConfigError as exc:
        return (lambda _: None), f"no usable identity key ({exc}): no signature holds"
    if ring is None:
        return (lambda _: None), "no identity key: signed reports cannot be verified"
    return ring.lookup(), f"identity keyring of {len(ring.keys)} keys"


def read_status(settings: Settings) -> Iterator[Record]:
    """Every record the status topic holds, oldest first, read in bounded chunks."""
    from assay.pipeline.ingest.consumer import KafkaPartition

    for partition in range(edge_status.PARTITIONS):
        with KafkaPartition(settings, edge_status.TOPIC, partition, READER_GROUP) as log:
            at, end = log.bounds()
            while at < end:
                records, at = log.read(at, end, _CHUNK_BYTES)
                yield from records
