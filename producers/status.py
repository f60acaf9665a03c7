"""The edge's status reports: its spool's ledger, published to Kafka for the release's ledger.

API::

    reports = StatusReports(spool, "gw-01", "plant-a", interval_s=60.0)
    sender = Sender(spool, connect, "gw-01", status=reports)   # the sender publishes them

Every ``interval_s`` the sender hands its transport one record for
``schemas.edge_status.TOPIC`` keyed by the producer_id, and one more after a clean stop
drained the spool, so the last report counts what the spool finally acknowledged. The
record goes through the same transport as the readings, so where the gateway signs its
readings it signs its reports too (``producers.signing``), and a reader can tell a forged
report from the gateway's own.

Reports are not spooled: each carries the whole ledger, so a lost one is replaced by the
next, and a failed delivery is only counted (``Stats.status_errors``). A report larger than
``MAX_BYTES`` is not sent (the error says why) rather than refused by the broker.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from producers._transport import Headers
from producers.spool import Spool
from schemas import edge_status, wire

__all__ = ["StatusRecord", "StatusReports"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusRecord:
    """One report as the transport sends it."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers


class StatusReports:
    """When a report is due, and the report itself; the sender publishes it."""

    def __init__(
        self,
        spool: Spool,
        producer_id: str,
        site: str,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spool, self.producer_id, self.site = spool, producer_id, site
        self.interval_s, self._clock = interval_s, clock
        self._last: float | None = None

    def due(self) -> bool:
        """Whether a periodic report is due (the first one at once; never when disabled)."""
        if self.interval_s <= 0:
            return False
        return self._last is None or self._clock() - self._last >= self.interval_s

    def record(self, final: bool = False) -> StatusRecord | None:
        """The report now (and the next one ``interval_s`` later); None when it is too large."""
        self._last = self._clock()
        doc = edge_status.document(
            self.producer_id, self.site, round(time.time() * 1000), final, self.spool.ledger()
        )
        value = json.dumps(doc, separators=(",", ":")).encode()
        if len(value) > edge_status.MAX_BYTES:
            log.error(
                "status report of %d bytes exceeds %d; not sent (assay-edge status --json has it)",
                len(value),
                edge_status.MAX_BYTES,
            )
            return None
        key = self.producer_id.encode()
        headers = [(wire.HEADER_PRODUCER, key), (wire.HEADER_CONTENT_TYPE, wire.JSON.encode())]
        return StatusRecord(edge_status.TOPIC, key, value, headers)
