"""Each device's last curated reading, carried from one segment to the next.

Stream rules (a counter that never falls, the longest allowed gap) compare a reading with
the device's previous one. Segments are validated one at a time, so the previous reading
of a segment's first reading per device lives in an earlier segment; the *tail* — the
latest curated reading of every device so far in the partition — is stored beside the
dedup watermark and handed to the validator as context for the next segment.
"""

from __future__ import annotations

import pyarrow as pa

from schemas import Contract, reading_order, to_arrow_schema


def next_tail(contract: Contract, before: pa.Table | None, passing: pa.Table) -> pa.Table:
    """The latest reading (by event time) of every device among ``before`` and ``passing``."""
    schema = to_arrow_schema(contract)
    parts = [t.select(schema.names).cast(schema) for t in (before, passing) if t is not None]
    table = pa.concat_tables(parts) if parts else schema.empty_table()
    device, *later_first = reading_order(contract)
    ordered = table.sort_by([(device, "ascending")] + [(n, "descending") for n in later_first])
    devices = ordered[device].to_pylist()
    first = [i == 0 or devices[i] != devices[i - 1] for i in range(len(devices))]
    return ordered.filter(pa.array(first, pa.bool_()))
