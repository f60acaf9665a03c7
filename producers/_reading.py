"""What a source hands to the edge: readings of one contract, before the envelope is stamped.

A source yields ``Reading`` objects (one dict of values each) or, when it produces at high
rates, ``ReadingBatch`` objects: many readings of one device as Arrow columns, which the edge
spools and sends as Arrow frames without ever making a Python object per reading. The edge
adds the rest of the envelope (``producer_id``, ``seq``, ``site``, ``ingest_time``) when the
readings enter the spool; a source only says which device, when, and what.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from threading import Event
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    import pyarrow as pa  # batches need it; a JSON-only gateway has none


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
    #: when the reading reached the edge; None means now. A simulator replaying a span of
    #: simulated time sets it, so freshness faults stay exact outside live runs.
    ingest_time: datetime | None = None
    checkpoint: str | None = field(default=None, compare=False)
    quality: str | None = field(default=None, compare=False)
    #: readings this item stands for (a ``ReadingBatch`` has many)
    count: ClassVar[int] = 1


@dataclass(frozen=True, slots=True)
class ReadingBatch:
    """Many readings of one device as columns: the path for sources of ~100k readings/s and more.

    ``columns`` (a ``pyarrow.RecordBatch`` or ``Table``) holds ``event_time`` and any of the
    contract's own fields, named and typed as in the contract's Arrow schema
    (``schemas.to_arrow_schema``; a column of another type is cast safely, a missing nullable
    field is null). The edge stamps the envelope: ``producer_id``, one gap-free ``seq`` per row
    in row order, ``site`` (this batch's, else the edge's), ``device_id`` and ``ingest_time``.
    Rows should be in event-time order, as a device reports them.

    A batch is spooled as one message (or, above the source's ``frame_readings``, as several
    in one transaction) and sent as an Arrow frame keyed by ``device_id``. When the columns do
    not fit the contract, the edge sends the rows as JSON readings instead, so each is judged
    (and, if bad, dead-lettered with its reason) downstream.
    """

    contract: str
    device_id: str
    columns: pa.RecordBatch | pa.Table
    site: str | None = None
    checkpoint: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if "event_time" not in self.columns.schema.names:
            raise ValueError(f"a batch of {self.device_id!r} has no event_time column")
        if not self.device_id:
            raise ValueError("a batch needs a device_id")

    @property
    def count(self) -> int:
        """Readings in the batch."""
        return int(self.columns.num_rows)

    def readings(self) -> list[Reading]:
        """The rows as ``Reading`` objects (the slow path, for a batch that cannot be a frame)."""
        rows = self.columns.to_pylist()
        return [
            Reading(
                self.contract,
                self.device_id,
                row.pop("event_time"),
                row,
                site=self.site,
                checkpoint=self.checkpoint,
            )
            for row in rows
        ]


class Source(Protocol):
    """Anything that yields readings (or batches of them) until ``stop`` is set or it runs out."""

    name: str

    def readings(self, stop: Event) -> Iterator[Reading | ReadingBatch]:
        """Yield readings; block or sleep as the source needs, return when ``stop`` is set."""
        ...
