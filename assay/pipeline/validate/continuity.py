"""Each device's last curated reading, carried from one segment to the next.

Stream rules (a counter that never falls, the longest allowed gap) compare a reading with
the device's previous one. Segments are validated one at a time, so the previous reading
of a segment's first reading per device lives in an earlier segment; the *tail* — the
latest curated reading of every device so far in the partition — is stored beside the
dedup watermark and handed to the validator as context for the next segment.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas import Contract, reading_order, to_arrow_schema
from validators import group_codes


def next_tail(contract: Contract, before: pa.Table | None, passing: pa.Table) -> pa.Table:
    """The latest reading (by event time) of every device among ``before`` and ``passing``.

    Only the sort keys are sorted; the rows taken are one a device, not the whole batch.
    """
    schema = to_arrow_schema(contract)
    parts = [t.select(schema.names).cast(schema) for t in (before, passing) if t is not None]
    table = pa.concat_tables(parts) if parts else schema.empty_table()
    device, *later_first = reading_order(contract)
    keys = [(device, "ascending")] + [(n, "descending") for n in later_first]
    order = pc.sort_indices(table.select([name for name, _ in keys]), sort_keys=keys)
    codes, _ = group_codes([table[device].take(order)])  # a null device is one device
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    return table.take(order.filter(pa.array(first, pa.bool_())))
