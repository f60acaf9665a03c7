"""Great Expectations throughput as the suite and the batch grow, SUMMARY against COMPLETE.

Runs the energy-meter contract's own checks (spread over its rule kinds) on sample batches, clean
or with ``--faults`` of the rows broken (a reading out of range and a missing voltage,
alternately): the GX call alone (frame of the suite's columns prepared beforehand), median of
``--repeat`` runs with the fastest and slowest, for every (rows, expectations, result format).
COMPLETE is what the pipeline runs: a BOOLEAN_ONLY pass completed to BASIC results from counts,
then COMPLETE for the expectations that found rows. Then the whole ``validate_table`` (conform,
derive, GX with COMPLETE, split, scores), median of ``--repeat`` runs per batch size. With
``--segments N`` the batch is also cut into N segments, validated one ``validate_table`` after
another ("segments alone") and together by ``validate_tables`` ("segments grouped": what the
pipeline does with a backlog). Every cell has wall and CPU seconds (the process's,
``time.process_time``). Prints a table with rows/s and the COMPLETE/SUMMARY cost ratio measured in
the same run, and writes JSON to ``bench/results/validation.json``.

    uv run python -m bench.validation --help
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from schemas import load_contract
from validators import (
    TableBatch,
    compile_checks,
    sample_table,
    validate_table,
    validate_tables,
    validation_frame,
)
from validators._conform import conform
from validators._gx import run_suite

RESULTS = Path(__file__).parent / "results"
CONTRACT = "energy_meter"


def _ints(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.validation", description=__doc__)
    parser.add_argument("--rows", type=_ints, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--expectations", type=_ints, default=[5, 20, 50])
    parser.add_argument("--formats", default="SUMMARY,COMPLETE", help="GX result formats")
    parser.add_argument("--repeat", type=int, default=3, help="runs per cell; the median counts")
    parser.add_argument(
        "--faults", type=float, default=0.0, help="share of rows with a broken value (0 = clean)"
    )
    parser.add_argument(
        "--max-complete-rows", type=int, default=1_000_000, help="skip COMPLETE above this size"
    )
    parser.add_argument(
        "--segments",
        type=_ints,
        default=[],
        help="also cut each batch into N segments: alone, grouped",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "validation.json")
    return parser.parse_args(argv)


def _timings(work: Callable[[], Any], repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of each run."""
    times = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        work()
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return times


def _spread(checks: tuple, count: int) -> tuple:
    """``count`` checks spread evenly over the contract's list (so every kind is represented)."""
    picks = np.linspace(0, len(checks) - 1, num=min(count, len(checks))).round().astype(int)
    return tuple(checks[i] for i in sorted(set(picks.tolist())))


def _gx_cells(args: argparse.Namespace, rows: int, conformed: Any, checks: tuple) -> list[dict]:
    """Time the GX call alone on a frame of just the columns the suite reads, as in the pipeline
    (GX fingerprints the whole frame, so unused columns would be paid for)."""
    cells = []
    for count in args.expectations:
        suite = _spread(checks, count)
        frame = validation_frame(conformed, suite)
        for fmt in args.formats.split(","):
            if fmt == "COMPLETE" and rows > args.max_complete_rows:
                continue
            times = _timings(partial(_gx_run, suite, frame, fmt), args.repeat)
            cells.append(_cell(rows, len(suite), fmt, times))
            _print_cell(cells[-1])
    return cells


def _gx_run(suite: tuple, frame: Any, fmt: str) -> None:
    run_suite("bench", suite, frame, CONTRACT, result_format=fmt)


def _cell(
    rows: int, expectations: int, fmt: str, runs: list[tuple[float, float]]
) -> dict[str, Any]:
    """The median run counts; the fastest and slowest give the spread."""
    times = [wall for wall, _ in runs]
    seconds = statistics.median(times)
    return {
        "cpu_seconds": round(statistics.median(cpu for _, cpu in runs), 4),
        "rows": rows,
        "expectations": expectations,
        "format": fmt,
        "seconds": round(seconds, 4),
        "rows_per_second": round(rows / seconds),
        "seconds_min": round(min(times), 4),
        "seconds_max": round(max(times), 4),
        "runs": len(times),
    }


def _print_cell(cell: dict[str, Any]) -> None:
    print(
        f"{cell['rows']:>10,} rows  {cell['expectations']:>3} exp  {cell['format']:<9}"
        f"{cell['seconds']:>9.3f} s  {cell['cpu_seconds']:>9.3f} CPU-s  "
        f"{cell['rows_per_second']:>12,} rows/s{_in_segments(cell)}",
        flush=True,
    )


def _in_segments(cell: dict[str, Any]) -> str:
    return f"  ({cell['segments']} segments)" if "segments" in cell else ""


def _end_to_end(rows: int, table: Any, repeat: int) -> dict[str, Any]:
    contract = load_contract(CONTRACT)
    run = lambda: validate_table(contract, table, data_docs=False)  # noqa: E731
    times = _timings(run, repeat)
    cell = _cell(rows, len(compile_checks(contract)), "validate_table", times)
    _print_cell(cell)
    return cell


def _segments(rows: int, table: pa.Table, segments: int, repeat: int) -> list[dict[str, Any]]:
    """The batch cut into ``segments``, each continuing from the one before: validated one
    after another, then together."""
    contract = load_contract(CONTRACT)
    cuts = np.linspace(0, rows, segments + 1).round().astype(int).tolist()
    parts = [table.slice(a, b - a) for a, b in itertools.pairwise(cuts)]
    batches = [
        TableBatch(part, parts[i - 1].slice(parts[i - 1].num_rows - 3) if i else None)
        for i, part in enumerate(parts)
    ]

    def alone() -> None:
        for b in batches:
            validate_table(contract, b.table, context=b.context, data_docs=True)

    cells = []
    for fmt, work in (
        ("segments alone", alone),
        ("segments grouped", lambda: validate_tables(contract, batches, data_docs=True)),
    ):
        cells.append(_cell(rows, len(compile_checks(contract)), fmt, _timings(work, repeat)))
        cells[-1]["segments"] = segments
        _print_cell(cells[-1])
    return cells


def _ratios(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """COMPLETE cost over SUMMARY cost for each (rows, expectations) measured both ways."""
    summary = {
        (c["rows"], c["expectations"]): c["seconds"] for c in cells if c["format"] == "SUMMARY"
    }
    return [
        {
            "rows": c["rows"],
            "expectations": c["expectations"],
            "complete_over_summary": round(
                c["seconds"] / summary[(c["rows"], c["expectations"])], 2
            ),
        }
        for c in cells
        if c["format"] == "COMPLETE" and (c["rows"], c["expectations"]) in summary
    ]


def _with_faults(table: pa.Table, share: float) -> pa.Table:
    """Every ``1/share``-th row broken: alternately active power out of range, voltage missing."""
    if share <= 0:
        return table
    step = max(round(1 / share), 1)
    rows = np.arange(table.num_rows)
    broken, first = rows % step == 0, (rows // step) % 2 == 0
    table = _replace(
        table, "active_power", pc.if_else(broken & first, 9000.0, table["active_power"])
    )
    return _replace(table, "voltage_l1", pc.if_else(broken & ~first, None, table["voltage_l1"]))


def _replace(table: pa.Table, name: str, values: Any) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), values)


def _warm_up(contract: Any, checks: tuple) -> None:
    """Pay GX's import and first-run costs before anything is timed."""
    frame = validation_frame(conform(contract, sample_table(contract, 10)), checks[:1])
    run_suite("warm-up", checks[:1], frame, CONTRACT)


def main(argv: list[str] | None = None) -> None:
    """Run the grid, print it, write the JSON."""
    args = parse_args(argv)
    contract = load_contract(CONTRACT)
    checks = compile_checks(contract)
    _warm_up(contract, checks)
    cells: list[dict[str, Any]] = []
    for rows in args.rows:
        table = _with_faults(sample_table(contract, rows), args.faults)
        cells.extend(_gx_cells(args, rows, conform(contract, table), checks))
        if rows <= args.max_complete_rows:
            cells.append(_end_to_end(rows, table, args.repeat))
            for segments in args.segments:
                cells.extend(_segments(rows, table, segments, args.repeat))
    ratios = _ratios(cells)
    for r in ratios:
        print(f"{r['rows']:>10,} rows  {r['expectations']:>3} exp  COMPLETE/SUMMARY = ", end="")
        print(r["complete_over_summary"])
    report = {"machine": _machine(), "contract": CONTRACT, "repeat": args.repeat}
    report["faults"] = args.faults
    report |= {"cells": cells, "ratios": ratios}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


def _machine() -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "great_expectations": version("great-expectations"),
        "pandas": version("pandas"),
        "pyarrow": version("pyarrow"),
    }


if __name__ == "__main__":
    main()
