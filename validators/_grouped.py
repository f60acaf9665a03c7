"""Several batches validated in one Great Expectations run, each with the result it gets alone.

GX's cost per run is mostly fixed (planning the metrics of every expectation: ~0.2 s for 52),
so a backlog of small batches is cheaper validated together. ``validate_tables`` gives each
batch exactly what ``validate_table`` gives it on its own — curated and quarantined rows,
reasons, counts, scores, the report and Data Docs, everything but GX's load timestamp:

1. each batch is conformed and its derived columns computed with its own ``context``, as
   ``validate_table`` does;
2. batches whose frames pandas types alike (an integer column with a null is a float
   column in pandas, and GX reports its values as floats) share one first pass (BASIC
   results, as `run_suite` makes them) over their frames one after another, ``_row``
   numbering them through;
3. the expectations that found rows run once more over the group with COMPLETE results,
   which says which batch each unexpected row belongs to;
4. each batch's first pass is cut from the group's (``_slices``), and a batch with
   unexpected rows gets its own COMPLETE pass for just those expectations, on its own
   frame — the second pass `run_suite` makes too.

Whatever cannot be cut (an expectation that raised, a result shape this code does not
know) falls back to validating that group's batches one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from schemas import Contract
from validators._checks import ROW, Check, compile_checks
from validators._gx import fingerprint, read_by, run_pass, run_suite
from validators._passes import merge_passes, to_rerun
from validators._slices import batch_first_pass, counted_columns
from validators._validate import ValidationOutcome, outcome, prepare, suite_name

__all__ = ["TableBatch", "suite_results", "validate_tables"]


@dataclass(frozen=True)
class TableBatch:
    """One batch for `validate_tables`: what `validate_table` takes for it."""

    table: pa.Table
    context: pa.Table | None = None
    now: datetime | None = None


def validate_tables(
    contract: Contract, batches: Sequence[TableBatch], *, data_docs: bool = True
) -> list[ValidationOutcome]:
    """``[validate_table(contract, b.table, context=b.context, now=b.now) for b in batches]``,
    with one GX run for batches alike (module docstring)."""
    checks = compile_checks(contract)
    prepared = [prepare(contract, checks, b.table, b.context) for b in batches]
    name = suite_name(contract)
    results = suite_results(name, checks, [p.frame for p in prepared], contract.name)
    return [
        outcome(contract, checks, p, r, now=b.now, data_docs=data_docs)
        for p, r, b in zip(prepared, results, batches, strict=True)
    ]


@dataclass(frozen=True)
class _Look:
    """How pandas types a batch's frame, and GX's fingerprint of it."""

    dtypes: tuple[Any, ...]
    fingerprint: str

    @classmethod
    def of(cls, frame: pa.Table) -> _Look:
        pandas = frame.to_pandas()
        return cls(tuple(pandas.dtypes), fingerprint(pandas))


def suite_results(
    name: str, checks: tuple[Check, ...], frames: Sequence[pa.Table], asset: str
) -> list[dict[str, Any]]:
    """Each frame's COMPLETE result, as `run_suite` gives it, from as few GX runs as can be."""
    looks = [_Look.of(frame) for frame in frames]
    results: list[dict[str, Any] | None] = [None] * len(frames)
    for members in _alike(looks):
        if len(members) > 1:
            chosen = [frames[i] for i in members]
            cut = _one_run(name, checks, chosen, [looks[i] for i in members], asset)
            for i, result in zip(members, cut or [], strict=False):
                results[i] = result
    return [
        result if result is not None else run_suite(name, checks, frame.to_pandas(), asset)
        for frame, result in zip(frames, results, strict=True)
    ]


def _alike(looks: Sequence[_Look]) -> list[list[int]]:
    """Positions of the frames pandas types alike, in order."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, look in enumerate(looks):
        groups.setdefault(look.dtypes, []).append(i)
    return list(groups.values())


def _one_run(
    name: str, checks: tuple[Check, ...], frames: list[pa.Table], looks: list[_Look], asset: str
) -> list[dict[str, Any]] | None:
    """The frames' results from one first pass over all of them, or None if it cannot be cut."""
    starts = np.cumsum([0, *(f.num_rows for f in frames)])
    group = pa.concat_tables([_numbered(f, int(s)) for f, s in zip(frames, starts, strict=False)])
    frame = group.to_pandas()
    if tuple(frame.dtypes) != looks[0].dtypes:
        return None
    first = run_pass(name, checks, frame, asset, rows=False)
    again = to_rerun(first, checks)
    found = _found(run_pass(name, again, frame, asset, rows=True), starts) if again else None
    failing = found if found is not None else [set() for _ in frames]
    if again and found is None:
        return None
    nulls = _nulls(frame, starts, counted_columns(first))
    del frame, group
    out = []
    for i, batch in enumerate(frames):
        cut = batch_first_pass(
            first,
            rows=batch.num_rows,
            nulls=nulls[i],
            failing=failing[i],
            fingerprint=looks[i].fingerprint,
        )
        if cut is None:
            return None
        out.append(merge_passes(cut, _own_rows_pass(name, checks, batch, failing[i], asset)))
    return out


def _own_rows_pass(
    name: str, checks: tuple[Check, ...], frame: pa.Table, failing: set[str], asset: str
) -> dict[str, Any] | None:
    """The COMPLETE pass of one batch's frame for the expectations that found rows in it."""
    rerun = tuple(c for c in checks if c.rule_id in failing)
    if not rerun:
        return None
    # only the columns the pass reads are converted (`run_pass` would narrow the frame anyway)
    narrow = frame.select(read_by(rerun, frame.column_names)).to_pandas()
    return run_pass(name, rerun, narrow, asset, rows=True)


def _numbered(frame: pa.Table, start: int) -> pa.Table:
    """A frame whose ``_row`` goes on from ``start``: unique through the group."""
    rows = np.arange(start, start + frame.num_rows, dtype=np.int64)
    return frame.set_column(frame.schema.get_field_index(ROW), ROW, pa.array(rows))


def _found(rows_pass: dict[str, Any], starts: np.ndarray) -> list[set[str]] | None:
    """Per batch, the rule ids of the expectations that found rows in it (None: not listed)."""
    found: list[set[str]] = [set() for _ in range(len(starts) - 1)]
    for item in rows_pass.get("results", ()):
        listed = (item.get("result") or {}).get("unexpected_index_list")
        if listed is None or (item.get("exception_info") or {}).get("raised_exception"):
            return None
        rows = np.array([int(entry[ROW]) for entry in listed], dtype=np.int64)
        for batch in set(np.searchsorted(starts, rows, side="right").tolist()):
            found[batch - 1].add(str(item["expectation_config"]["meta"]["rule_id"]))
    return found


def _nulls(frame: Any, starts: np.ndarray, columns: set[str]) -> list[dict[str, int]]:
    """Per batch, how many values of each column are null as GX counts them (``isnull``)."""
    counts: list[dict[str, int]] = [{} for _ in range(len(starts) - 1)]
    for column in columns:
        running = np.concatenate([[0], np.cumsum(frame[column].isnull().to_numpy())])
        for i, n in enumerate((running[starts[1:]] - running[starts[:-1]]).tolist()):
            counts[i][column] = int(n)
    return counts
