"""``assay-edge probe``: one sample from a source, mapped and judged, before any Kafka exists.

Factory IT points the edge at a PLC, a meter or an export folder and wants to see, at once,
what a reading will look like and which contract rules it would fail. ``take_sample`` builds
the source exactly as ``run`` does (same options, same unit conversion), takes the first
reading it yields (one Modbus poll, one MQTT message, one OPC UA data change, one CSV line)
and stops it; the sample lists the units it converted. Nothing is spooled or sent, and a CSV
tail starts from the first line of its first file whatever the spool says.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from producers._judge import Verdict, judge
from producers._reading import Reading, ReadingBatch, Source
from producers.conversion import converted
from producers.errors import SourceError
from producers.sources import SourceContext, SourceOptions, build_source
from schemas import Contract

__all__ = ["Sample", "take_sample"]


@dataclass
class Sample:
    """What one source gave: its first reading as the row Kafka would get, and its verdicts."""

    source: str
    row: dict[str, Any] | None = None
    failed: list[Verdict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # what the source reported meanwhile
    #: values converted to contract units, by (source, field, from unit, to unit)
    converted: Counter[tuple[str, ...]] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: times as RFC 3339 text."""
        row = None if self.row is None else {k: _plain(v) for k, v in self.row.items()}
        failed = [vars(v) for v in self.failed]
        units = [{"field": k[1], "from": k[2], "to": k[3]} for k in self.converted]
        return {
            "source": self.source,
            "row": row,
            "failed": failed,
            "errors": self.errors,
            "converted": units,
        }


def take_sample(
    options: SourceOptions, contract: Contract, producer_id: str, site: str, timeout: float
) -> Sample:
    """The first reading of the source within ``timeout`` seconds, mapped and judged."""
    sample = Sample(options.name)
    context = SourceContext(
        contract=contract, site=options.site or site, report=lambda e: _note(sample, e)
    )
    try:
        source = converted(build_source(options, context), options, contract, sample.converted)
    except (SourceError, ValueError, OSError) as exc:
        sample.errors.append(str(exc))
        return sample
    reading = _first(source, timeout)
    if reading is None:
        sample.errors.append(f"no reading within {timeout:g}s")
        return sample
    sample.row = _row(reading, producer_id, options.site or site)
    sample.failed = judge(contract, sample.row)
    return sample


def _note(sample: Sample, error: SourceError) -> None:
    sample.errors.append(str(error))


def _first(source: Source, timeout: float) -> Reading | None:
    """Run the source in a thread until its first item or the timeout; then stop it."""
    stop, got = threading.Event(), []

    def pump() -> None:
        for item in source.readings(stop):
            got.append(item)
            break  # closes the generator here, in its own thread: its finally disconnects

    thread = threading.Thread(target=pump, name=f"probe-{source.name}", daemon=True)
    thread.start()
    thread.join(timeout)
    stop.set()
    thread.join(10.0)
    if not got:
        return None
    item = got[0]
    return item.readings()[0] if isinstance(item, ReadingBatch) else item


def _row(reading: Reading, producer_id: str, site: str) -> dict[str, Any]:
    envelope = {
        "producer_id": producer_id,
        "seq": 0,
        "site": reading.site or site,
        "device_id": reading.device_id,
        "event_time": reading.event_time,
        "ingest_time": datetime.now(UTC),
    }
    return envelope | reading.values


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
