"""Edge status reports: what a gateway's spool says it sent, on a Kafka topic of their own.

A release's ledger starts from each producer's spool counts (``producers._ledger``). Rather
than collecting ``assay-edge status --json`` from every gateway by hand, each gateway publishes
the ledger part of that document to `TOPIC` every ``status_interval_s`` and once at a clean
stop; the release maker reads the newest report per producer. Both sides import the names
here, so the edge and the reader never disagree.

The record: key = the producer_id (UTF-8), value = `document` as UTF-8 JSON, headers
``producer_id`` and ``content_type`` (``application/json``) and, where the gateway signs its
readings, ``signer`` and ``signature`` exactly as readings carry them (``schemas.signature``):
a reader trusts a report only as far as it would trust that producer's readings.

The topic is compacted (the newest report per key is what matters), has one partition (so a
gateway's reports stay in order whichever Kafka client sends them) and lies outside the
``assay.`` prefix of the contract topics, whose prefixed ACLs would let every reader of
readings read it and the demo edge write it. Only gateways write it and only the release
maker reads it (``assay.govern.access``).
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["CONFIGS", "FORMAT", "MAX_BYTES", "PARTITIONS", "TOPIC", "document"]

TOPIC: Final = "assay-edge-status"
FORMAT: Final = "assay.edge-status/1"
PARTITIONS: Final = 1
#: The largest report a gateway sends and a reader accepts (a spool that dropped many ranges
#: has a long ledger); the topic's ``max.message.bytes`` lets it through.
MAX_BYTES: Final = 4 * 1024 * 1024
#: Compacted; segments roll hourly, so the reports older than the newest per gateway go at the
#: next cleaning instead of piling up for the default week.
CONFIGS: Final = {
    "cleanup.policy": "compact",
    "max.message.bytes": str(MAX_BYTES + 64 * 1024),
    "segment.ms": str(3_600_000),
}


def document(
    producer_id: str, site: str, at_ms: int, final: bool, ledger: dict[str, Any]
) -> dict[str, Any]:
    """A report: who, where, when (epoch ms), whether the edge was stopping, its spool ledger
    (``since_seq``, ``next_seq``, ``topics``: what ``assay-edge status --json`` has)."""
    return {
        "format": FORMAT,
        "producer_id": producer_id,
        "site": site,
        "at_ms": at_ms,
        "final": final,
        "ledger": ledger,
    }
