"""Edge reports from the status topic: the newest trustworthy report of each producer.

Gateways publish their spool's ledger to ``schemas.edge_status.TOPIC`` (``producers.status``).
Every gateway may write that topic, so a record counts only as far as the same producer's
readings would (`assay.pipeline.validate.identity`): its signature must hold under the key of
the gateway it names, and that gateway must be registered for the producer_id; an unsigned
report is used only where unsigned readings of that producer would be, and the ledger says it
is unsigned. Every other record is *rejected*, with the reason, and never used.

Judging is total: no key, header or value makes it raise (hypothesis tests feed it garbage).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from assay.govern.ledger._edge import EdgeTopic, parse_edge_report
from assay.govern.ledger._errors import EdgeReportInvalid
from assay.pipeline.validate.identity import reason_for
from assay.pipeline.validate.signers import Signers
from schemas import Contract, edge_status, topic_name, wire
from schemas.signature import KeyLookup, verify

if TYPE_CHECKING:
    from assay.pipeline.ingest.deadletter import Record

#: Rejected records a ledger names; the count is always exact.
NAMED_REJECTED = 20


@dataclass(frozen=True)
class Rejected:
    """A record of the status topic the ledger does not use, and why."""

    producer_id: str | None
    partition: int
    offset: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The manifest form."""
        return asdict(self)


@dataclass(frozen=True)
class Newest:
    """The newest trusted report per producer (those about the contract's topic), and the
    records rejected."""

    reports: dict[str, EdgeTopic]
    rejected: list[Rejected]


def judge(
    record: Record, contract: Contract, keys: KeyLookup, signers: Signers
) -> EdgeTopic | Rejected | None:
    """The report's figures for the contract's topic, why it is rejected, or None when it is
    trusted but says nothing about the topic."""
    try:
        return _judge(record, contract, keys, signers)
    except Exception as exc:  # whatever shape the record has, it is a named rejection
        return _rejected(record, None, f"unreadable record ({type(exc).__name__}: {exc})")


def _judge(
    record: Record, contract: Contract, keys: KeyLookup, signers: Signers
) -> EdgeTopic | Rejected | None:
    value, producer = record.value or b"", _producer(record)
    if len(value) > edge_status.MAX_BYTES:
        return _rejected(record, producer, f"{len(value)} bytes, over {edge_status.MAX_BYTES}")
    if producer is None:
        return _rejected(record, None, "no producer_id key, or the header disagrees with it")
    signer, valid = verify(keys, record.topic, record.key, record.headers, record.value)
    distrust = reason_for(signers, contract, producer, signer, valid)
    if distrust is not None:
        return _rejected(record, producer, distrust[1].removeprefix("identity: "))
    return _report(record, producer, contract, signer)


def _report(
    record: Record, producer: str, contract: Contract, signer: str | None
) -> EdgeTopic | Rejected | None:
    source = f"{record.topic} partition {record.partition} offset {record.offset}"
    doc = json.loads(record.value or b"")
    if not isinstance(doc, dict) or doc.get("format") != edge_status.FORMAT:
        return _rejected(record, producer, f"not an {edge_status.FORMAT} report")
    if doc.get("producer_id") != producer:
        return _rejected(record, producer, f"its body names {doc.get('producer_id')!r}")
    try:
        found = parse_edge_report(record.value or b"", source, topic_name(contract))
    except EdgeReportInvalid as exc:
        return _rejected(record, producer, exc.problem)
    signature = "unsigned" if signer is None else f"verified: signed by {signer}"
    return None if found is None else replace(found, signature=signature)


def _producer(record: Record) -> str | None:
    """The producer_id of the key, when the ``producer_id`` header (if any) agrees."""
    if not record.key:
        return None
    producer = record.key.decode("utf-8")
    said = [v for k, v in record.headers if k == wire.HEADER_PRODUCER]
    return producer if all(v == record.key for v in said) else None


def _rejected(record: Record, producer: str | None, reason: str) -> Rejected:
    return Rejected(producer, record.partition, record.offset, reason)


def newest(
    records: Iterable[Record], contract: Contract, keys: KeyLookup, signers: Signers
) -> Newest:
    """The last trusted report per producer in log order, and every rejected record."""
    reports: dict[str, tuple[tuple[int, int, int], EdgeTopic]] = {}
    rejected: list[Rejected] = []
    for record in records:
        found = judge(record, contract, keys, signers)
        if isinstance(found, Rejected):
            rejected.append(found)
        elif found is not None:
            at = (record.timestamp, record.partition, record.offset)
            if found.producer_id not in reports or reports[found.producer_id][0] < at:
                reports[found.producer_id] = (at, found)
    return Newest({p: e for p, (_, e) in sorted(reports.items())}, rejected)
