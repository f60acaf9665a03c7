"""Derived columns: the numbers and flags that rule checks read, computed with Arrow and numpy.

Stream rules (monotonic, max_gap, stuck) look at one field's readings per group
(``per``, the device) in ``order_by`` (event-time) order, and only at plausible
readings: a reading that is a replay, fails a timeliness error (event time in the
future, too old, before the floor), or whose value is null, NaN, of the wrong type
or outside the field's range is skipped —
it already fails its own rule, and letting it into the stream would also blame
its neighbours. A value of NaN in a derived column means "not checked" (Great
Expectations skips missing values), so the first reading of a device has no gap.

- ``_drop__f``: how far ``f`` fell since the previous reading; 0 for a rise, an
  equal value, or a reset (a fall to at most ``reset_below``). A spike is not a
  fall, so a spike flags the reading after it.
- ``_gap_seconds__f``: seconds since the previous reading; flags the reading after a gap.
- ``_run__f``: how many equal values in a row end here (1, 2, ...). A stuck run
  is flagged from its ``count``-th reading on: the first ``count - 1`` equal values
  are indistinguishable from a steady process, and the verdict on a reading never
  depends on readings after it.
- ``_lag_seconds__f`` / ``_lead_seconds__f``: ingest time minus ``f``, and ``f`` minus ingest time.
- ``_epoch_seconds__f``: ``f`` in seconds since 1970-01-01 UTC (checked against the floor).
- ``_replay__a+b``: 0 for the first reading with these values, 1, 2, ... for replays.
- ``_key_count__a+b``: how many non-replay readings share this key (1 = unique).
- ``_ok_type__f`` / ``_ok_claim_check__f``: flags.
- ``_out_of_range__f``: how many elements of a list lie outside the range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas import ClaimCheckRule, MonotonicRule, Rule, Severity, UniqueRule
from validators._checks import Check
from validators._conform import Conformed
from validators._groups import (
    group_codes,
    occurrence,
    previous_valid,
    run_lengths,
    scatter,
    seconds,
    stream_order,
)

__all__ = ["derive_columns"]

_SHA256 = r"^[0-9a-f]{64}$"


@dataclass(frozen=True)
class _Order:
    """Rows in (group, time, row) order for one (per, order_by) pair, with the sorted keys."""

    order: np.ndarray
    codes: np.ndarray  # sorted space
    times: np.ndarray  # sorted space
    ok: np.ndarray  # row space: group and time both present


@dataclass(frozen=True)
class _Batch:
    table: pa.Table
    type_ok: dict[str, np.ndarray]
    replay: np.ndarray
    untimely: np.ndarray  # fails a timeliness error: out of every stream
    ranges: dict[str, tuple[float, float]]
    replays: dict[str, np.ndarray]  # each drop-duplicates check's column, computed once
    orders: dict[tuple[str, str], _Order] = field(default_factory=dict)  # filled on first use


def derive_columns(conformed: Conformed, checks: tuple[Check, ...]) -> dict[str, np.ndarray]:
    """Every derived column the checks read, by name, in row order."""
    batch = _batch(conformed, checks)
    return {check.column: _derive(check, batch) for check in checks if check.derived}


def _batch(conformed: Conformed, checks: tuple[Check, ...]) -> _Batch:
    table, rows = conformed.table, conformed.table.num_rows
    replay, untimely = np.zeros(rows, dtype=bool), np.zeros(rows, dtype=bool)
    ranges: dict[str, tuple[float, float]] = {}
    replays: dict[str, np.ndarray] = {}
    for check in checks:
        if isinstance(check.rule, UniqueRule) and check.rule.drop_duplicates:
            replays[check.column] = _replay(table, check)
            replay |= np.nan_to_num(replays[check.column], nan=0) > 0
        elif check.kind in _TIMELINESS and check.severity is Severity.ERROR:
            untimely |= _outside(_TIMELINESS[check.kind](table, check), check)
        elif check.kind == "range" and not check.derived:
            ranges[check.field] = _bounds(check)
    return _Batch(table, conformed.type_ok, replay, untimely, ranges, replays)


def _bounds(check: Check) -> tuple[float, float]:
    return check.kwargs.get("min_value", -np.inf), check.kwargs.get("max_value", np.inf)


def _outside(values: np.ndarray, check: Check) -> np.ndarray:
    """Where a between-check fails (NaN, not checked, never does)."""
    low, high = _bounds(check)
    return ~np.isnan(values) & ((values < low) | (values > high))


def _derive(check: Check, batch: _Batch) -> np.ndarray:
    table = batch.table
    match check.kind:
        case "type":
            return batch.type_ok[check.field]
        case "claim_check":
            return _claim_check(table.column(check.field), check)
        case "range":
            return _out_of_range(table.column(check.field), check)
        case "unique" if isinstance(check.rule, UniqueRule) and check.rule.drop_duplicates:
            return batch.replays[check.column]
        case "unique":
            return _key_count(table, check, batch.replay)
        case "monotonic" | "max_gap" | "stuck":
            return _stream(check, batch)
        case kind if kind in _TIMELINESS:
            return _TIMELINESS[kind](table, check)
    raise TypeError(f"no derived column for check {check.rule_id}")  # a new kind needs one here


_UNBOUNDED = (-np.inf, np.inf)


def _replay(table: pa.Table, check: Check) -> np.ndarray:
    codes, valid = group_codes([table.column(f) for f in check.fields])
    return np.where(valid, occurrence(codes, valid), np.nan)


def _key_count(table: pa.Table, check: Check, replay: np.ndarray) -> np.ndarray:
    codes, valid = group_codes([table.column(f) for f in check.fields])
    counted = valid & ~replay
    safe = np.where(counted, codes, 0)
    counts = np.bincount(safe[counted], minlength=int(safe.max(initial=0)) + 1)
    return np.where(counted, counts[safe], np.nan)


def _lag(table: pa.Table, check: Check) -> np.ndarray:
    reference, ref_ok = seconds(table.column(check.params["reference"]))
    moment, ok = seconds(table.column(check.field))
    return np.where(ref_ok & ok, reference - moment, np.nan)


def _lead(table: pa.Table, check: Check) -> np.ndarray:
    reference, ref_ok = seconds(table.column(check.params["reference"]))
    moment, ok = seconds(table.column(check.field))
    return np.where(ref_ok & ok, moment - reference, np.nan)


def _epoch(table: pa.Table, check: Check) -> np.ndarray:
    moment, ok = seconds(table.column(check.field))
    return np.where(ok, moment, np.nan)


_TIMELINESS: dict[str, Callable[[pa.Table, Check], np.ndarray]] = {
    "freshness": _lag,
    "max_age": _lag,
    "future": _lead,
    "earliest": _epoch,
}


def _claim_check(column: pa.ChunkedArray, check: Check) -> np.ndarray:
    assert isinstance(check.rule, ClaimCheckRule)
    schemes = "|".join(check.rule.uri_schemes)
    # RE2 (Arrow's engine) has no look-ahead, but its ``$`` is the end of the value
    uri_ok = pc.match_substring_regex(pc.struct_field(column, "uri"), rf"^({schemes})://[^\s]+$")
    sha_ok = pc.match_substring_regex(pc.struct_field(column, "sha256"), _SHA256)
    both = pc.fill_null(pc.and_(uri_ok, sha_ok), False)
    return np.asarray(pc.or_(both, pc.is_null(column)), dtype=bool)


def _out_of_range(column: pa.ChunkedArray, check: Check) -> np.ndarray:
    low = check.params.get("min", -np.inf)
    high = check.params.get("max", np.inf)
    array = column.combine_chunks()
    values = np.asarray(pc.list_flatten(array).fill_null(np.nan), dtype=np.float64)
    parents = np.asarray(pc.list_parent_indices(array), dtype=np.int64)
    bad = (values < low) | (values > high)
    counts = np.bincount(parents[bad], minlength=len(array)).astype(np.float64)
    return np.where(np.asarray(pc.is_valid(array), dtype=bool), counts, np.nan)


def _plausible(check: Check, batch: _Batch, values: np.ndarray) -> np.ndarray:
    """Readings a stream rule looks at: see the module docstring."""
    low, high = batch.ranges.get(check.field, _UNBOUNDED)
    in_range = ~np.isnan(values) & (values >= low) & (values <= high)
    return in_range & batch.type_ok[check.field] & ~batch.replay & ~batch.untimely


def _order(batch: _Batch, per: str, order_by: str) -> _Order:
    """The stream order of ``per`` groups by ``order_by``, sorted once per batch for every rule.

    Implausible readings stay in their place: the stream functions skip them (``valid``).
    """
    if (per, order_by) not in batch.orders:
        codes, per_ok = group_codes([batch.table.column(per)])
        times, time_ok = seconds(batch.table.column(order_by))
        order = stream_order(codes, times)
        batch.orders[per, order_by] = _Order(order, codes[order], times[order], per_ok & time_ok)
    return batch.orders[per, order_by]


def _stream(check: Check, batch: _Batch) -> np.ndarray:
    """A stream rule's derived column, computed in (device, event time) order, in row order."""
    assert check.rule is not None
    rows = _order(batch, check.params["per"], check.params["order_by"])
    values = np.asarray(pc.cast(batch.table.column(check.field), pa.float64()).fill_null(np.nan))
    valid = rows.ok & _plausible(check, batch, values)
    stream = _Stream(rows.codes, valid[rows.order], values[rows.order], rows.times)
    return scatter(rows.order, _STREAM[check.kind](stream, check.rule), len(rows.order))


@dataclass(frozen=True)
class _Stream:
    """One field's readings in sorted space: group codes, plausibility, values, times."""

    codes: np.ndarray
    valid: np.ndarray
    values: np.ndarray
    times: np.ndarray

    def previous(self) -> tuple[np.ndarray, np.ndarray]:
        """Position of each reading's previous plausible one (0 if none), and whether it has one."""
        previous = previous_valid(self.codes, self.valid)
        has_previous = self.valid & (previous >= 0)
        return np.where(has_previous, previous, 0), has_previous


def _drop(stream: _Stream, rule: Rule) -> np.ndarray:
    previous, has_previous = stream.previous()
    fell = np.maximum(stream.values[previous] - stream.values, 0.0)
    reset_below = rule.reset_below if isinstance(rule, MonotonicRule) else None
    if reset_below is not None:
        fell = np.where(stream.values <= reset_below, 0.0, fell)
    return np.where(has_previous, fell, np.nan)


def _gap(stream: _Stream, _rule: Rule) -> np.ndarray:
    previous, has_previous = stream.previous()
    return np.where(has_previous, stream.times - stream.times[previous], np.nan)


def _run(stream: _Stream, _rule: Rule) -> np.ndarray:
    out = np.full(len(stream.codes), np.nan)
    out[stream.valid] = run_lengths(stream.codes[stream.valid], stream.values[stream.valid])
    return out


_STREAM: dict[str, Callable[[_Stream, Rule], np.ndarray]] = {
    "monotonic": _drop,
    "max_gap": _gap,
    "stuck": _run,
}
