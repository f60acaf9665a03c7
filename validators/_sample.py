"""A clean synthetic batch for any contract: the reference input of tests and benchmarks.

Deterministic: ``devices`` devices report in turn every ``period`` seconds
(default: a third of the contract's tightest ``max_gap``, at most 10 s), one
second before ingest. Numbers sweep their range without repeating, counters
rise and wrap to their reset level, strings follow their pattern (numbered, so
key fields stay unique), enums cycle. Every rule of the contract passes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from schemas import Contract, FieldSpec, MaxGapRule, all_fields, compile_rules, to_arrow_schema
from validators._pattern_text import pattern_example

__all__ = ["sample_table"]

_START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
_GOLDEN = 0.6180339887498949
_ENVELOPE_TEXT = {"producer_id": "edge-gw-01", "site": "sz-plant-1"}


def sample_table(
    contract: Contract, rows: int, *, devices: int = 3, start: datetime = _START
) -> pa.Table:
    """``rows`` clean readings of ``contract`` in its Arrow schema, devices interleaved."""
    index = np.arange(rows)
    device, step = index % devices, index // devices
    start_ms = int(start.timestamp() * 1000)
    event_ms = start_ms + (step * _period(contract) * 1000).astype(np.int64)
    event = _timestamps(event_ms)
    columns: dict[str, Any] = {"device_id": [f"dev-{d:02d}" for d in device], "seq": index}
    columns |= {contract.event_time: event, "ingest_time": _timestamps(event_ms + 1000)}
    for name, spec in all_fields(contract).items():
        if name not in columns:
            columns[name] = _values(name, spec, index, step, event)
    schema = to_arrow_schema(contract)
    return pa.Table.from_pydict({n: columns[n] for n in schema.names}, schema=schema)


def _timestamps(milliseconds: np.ndarray) -> pa.Array:
    return pa.array(milliseconds, type=pa.int64()).cast(pa.timestamp("ms", tz="UTC"))


def _period(contract: Contract) -> float:
    gaps = [r.max_gap_seconds for r in compile_rules(contract) if isinstance(r, MaxGapRule)]
    return min([10.0, *(g / 3 for g in gaps)])


def _values(
    name: str, spec: FieldSpec, index: np.ndarray, step: np.ndarray, event: pa.Array
) -> Any:
    if name in _ENVELOPE_TEXT:
        return [_ENVELOPE_TEXT[name]] * len(index)
    if spec.monotonic_per is not None:
        return _counter(spec, step)
    kind = spec.type
    if kind in ("int64", "float64"):
        return _sweep(spec, index)
    if kind == "float64_list":
        return [[v, v] for v in _sweep(spec, index)]
    return _other(spec, index, event)


def _other(spec: FieldSpec, index: np.ndarray, event: pa.Array) -> Any:
    if spec.type == "bool":
        return (index % 2 == 0).tolist()
    if spec.type == "enum":
        values = spec.values or ("x",)
        return [values[i % len(values)] for i in index]
    if spec.type == "timestamp":
        return event
    if spec.type == "date":
        return event.cast(pa.date32())
    if spec.type == "binary_ref":
        return [_claim_check(i) for i in index]
    return [pattern_example(spec.pattern, i) if spec.pattern else f"v{i}" for i in index]


def _bounds(spec: FieldSpec) -> tuple[float, float]:
    low = float(spec.min) if spec.min is not None else 0.0
    high = float(spec.max) if spec.max is not None else low + 1000.0
    return low, high


def _sweep(spec: FieldSpec, index: np.ndarray) -> list:
    """Values in the middle of the range that do not repeat from one reading to the next."""
    low, high = _bounds(spec)
    fraction = 0.25 + 0.5 * ((index * _GOLDEN) % 1.0)
    values = low + (high - low) * fraction
    return np.round(values).astype(int).tolist() if spec.type == "int64" else values.tolist()


def _counter(spec: FieldSpec, step: np.ndarray) -> list:
    """A counter rising by one per reading that wraps to its reset level before its maximum."""
    low, high = _bounds(spec)
    floor = float(spec.reset_below) if spec.reset_below is not None else low
    span = max(int(high - floor) - 1, 1)
    values = floor + (step % span)
    return values.astype(int).tolist() if spec.type == "int64" else values.astype(float).tolist()


def _claim_check(i: int) -> dict[str, str]:
    return {
        "uri": f"s3://images/{i:08d}.jpg",
        "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
    }
