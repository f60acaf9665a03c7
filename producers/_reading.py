"""What a source hands to the edge: one reading of one contract, before the envelope is stamped.

The edge adds the rest of the envelope (``producer_id``, ``seq``, ``site``, ``ingest_time``)
when the reading enters the spool; a source only says which device, when, and what.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from threading import Event
from typing import Any, Protocol


class Transport(StrEnum):
    """Faults that only the transport can make; injected by the simulator, never by real sources."""

    CORRUPT = "corrupt"  # the encoded bytes are replaced by undecodable ones
    DUPLICATE = "duplicate"  # sent twice with the same (producer_id, seq), as a crash replay would


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading: contract name, device, event time (UTC) and the contract's own fields.

    ``values`` is passed through as the source gave it: a wrong type or an out-of-range
    value is not fixed or dropped at the edge but lands in quarantine downstream, with
    its reason. ``site`` overrides the edge's configured site (a simulator spans sites).

    ``checkpoint`` is an opaque string a resumable source (a file tail) attaches: the edge
    stores the last one it saw under the source's name in the same spool transaction as the
    reading, so a restart resumes exactly after the last spooled reading. ``quality`` is the
    worst source status of the values (``good``, ``uncertain``, ``bad``; OPC UA) when known.
    """

    contract: str
    device_id: str
    event_time: datetime
    values: dict[str, Any]
    site: str | None = None
    transport: Transport | None = field(default=None, compare=False)
    #: when the reading reached the edge; None means now. A simulator replaying a span of
    #: simulated time sets it, so freshness faults stay exact outside live runs.
    ingest_time: datetime | None = None
    checkpoint: str | None = field(default=None, compare=False)
    quality: str | None = field(default=None, compare=False)


class Source(Protocol):
    """Anything that yields readings until ``stop`` is set (or it runs out)."""

    name: str

    def readings(self, stop: Event) -> Iterator[Reading]:
        """Yield readings; block or sleep as the source needs, return when ``stop`` is set."""
        ...
