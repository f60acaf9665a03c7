"""Edge reports: the ``assay-edge status --json`` documents a release's ledger starts from.

Each gateway publishes the document's ledger part to the status topic (`_reports` reads it);
a steward may instead hand documents collected by fleet tooling to ``assay release create
--edge-status``. Only the ``ledger`` part for the contract's topic is used; the document's
sha256 is recorded so the report behind each figure can be found again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from assay.govern.ledger._errors import EdgeReportInvalid


@dataclass(frozen=True)
class EdgeTopic:
    """What one producer's spool says about one topic."""

    producer_id: str
    report_sha256: str
    since_seq: int
    topics: tuple[str, ...]
    spooled: int
    sent: int
    first_seq: int
    last_seq: int
    held_ranges: list[list[int]]
    dropped_ranges: list[list[int]]
    parked_ranges: list[list[int]]
    #: where the report came from (a file, or the status topic's partition and offset) and
    #: what its signature showed (`_reports`); a file's is not checked
    source: str = ""
    signature: str = "not checked: a file"

    @property
    def excluded(self) -> list[list[int]]:
        """Seqs the pipeline must not expect (yet): held, dropped or parked at the edge."""
        return self.held_ranges + self.dropped_ranges + self.parked_ranges


def parse_edge_report(data: bytes, source: str, topic: str) -> EdgeTopic | None:
    """The report's figures for ``topic`` (None when the producer never spooled to it), or
    `EdgeReportInvalid` naming the file and what is wrong."""
    try:
        doc = json.loads(data)
        producer, ledger = str(doc["producer_id"]), doc["ledger"]
        found = ledger["topics"].get(topic)
        if ledger.get("since_seq") is None or found is None:
            return None
        return _topic(producer, hashlib.sha256(data).hexdigest(), ledger, found, source)
    # json: ValueError, RecursionError (nesting); int(): ValueError, OverflowError (1e400)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, RecursionError) as exc:
        problem = f"not an `assay-edge status --json` document with a ledger ({exc!r})"
        raise EdgeReportInvalid(source, problem) from exc


def _topic(
    producer: str, sha: str, ledger: dict[str, Any], t: dict[str, Any], source: str
) -> EdgeTopic:
    return EdgeTopic(
        producer_id=producer,
        report_sha256=sha,
        since_seq=int(ledger["since_seq"]),
        topics=tuple(sorted(ledger["topics"])),
        spooled=int(t["spooled"]),
        sent=int(t["sent"]),
        first_seq=int(t["first_seq"]),
        last_seq=int(t["last_seq"]),
        held_ranges=[[int(a), int(b)] for a, b in t["held_ranges"]],
        dropped_ranges=[[int(a), int(b)] for a, b in t["dropped_ranges"]],
        parked_ranges=[[int(a), int(b)] for a, b in t["parked_ranges"]],
        source=source,
    )
