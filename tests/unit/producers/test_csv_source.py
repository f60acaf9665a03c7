"""The CSV tail: new complete rows only, checkpoints that resume exactly, garbage reported."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

from producers import BadInput, Reading, SourceContext
from producers.sources import csv as csv_source
from producers.sources.csv import CsvTail, Options

HEADER = "ts,meter,active_power,voltage_l1,frequency\n"


def row(i: int) -> str:
    return f"2025-03-01T08:00:{i:02d}Z,m-{i % 2},{10 + i},230.5,50\n"


def tail(
    folder: Path, contract, checkpoint: str | None = None, errors: list | None = None
) -> CsvTail:  # type: ignore[no-untyped-def]
    options = Options(
        name="mes",
        kind="csv",
        contract="energy_meter",
        folder=folder,
        device_column="meter",
        time_column="ts",
        poll_interval_s=0.01,
        columns={"active_power": "active_power"},
    )
    report = errors.append if errors is not None else (lambda e: None)
    return csv_source.build(options, SourceContext(contract, "plant-a", checkpoint, report))


def take(source: CsvTail, n: int) -> list[Reading]:
    stop = threading.Event()
    out: list[Reading] = []
    it: Iterator[Reading] = source.readings(stop)
    timer = threading.Timer(2.0, stop.set)
    timer.start()
    for reading in it:
        out.append(reading)
        if len(out) == n:
            break
    timer.cancel()
    return out


def test_rows_become_typed_readings(tmp_path: Path, contract) -> None:
    (tmp_path / "a.csv").write_text(HEADER + row(1) + row(2))
    first, second = take(tail(tmp_path, contract), 2)
    assert (first.device_id, first.values["active_power"], first.values["frequency"]) == (
        "m-1",
        11,
        50.0,
    )
    assert first.event_time.isoformat() == "2025-03-01T08:00:01+00:00"
    assert json.loads(second.checkpoint or "")["file"] == "a.csv"


def test_resume_from_a_checkpoint_neither_skips_nor_repeats(tmp_path: Path, contract) -> None:
    (tmp_path / "a.csv").write_text(HEADER + "".join(row(i) for i in range(5)))
    seen = take(tail(tmp_path, contract), 2)
    resumed = take(tail(tmp_path, contract, seen[-1].checkpoint), 3)
    times = [r.event_time.second for r in seen + resumed]
    assert times == [0, 1, 2, 3, 4]


def test_an_incomplete_last_line_waits_until_finished(tmp_path: Path, contract) -> None:
    path = tmp_path / "a.csv"
    path.write_text(HEADER + row(1) + "2025-03-01T08:00:02Z,m-0,1")
    source = tail(tmp_path, contract)
    assert len(take(source, 2)) == 1
    with path.open("a") as fh:
        fh.write("2,230.5,50\n")
    rest = take(
        tail(tmp_path, contract, json.dumps({"file": "a.csv", "offset": len(HEADER + row(1))})), 1
    )
    assert rest[0].values["active_power"] == 12


def test_the_next_file_is_read_after_the_current_one(tmp_path: Path, contract) -> None:
    (tmp_path / "a.csv").write_text(HEADER + row(1))
    (tmp_path / "b.csv").write_text(HEADER + row(2))
    readings = take(tail(tmp_path, contract), 2)
    assert [json.loads(r.checkpoint or "")["file"] for r in readings] == ["a.csv", "b.csv"]


def test_garbage_lines_are_reported_and_skipped(tmp_path: Path, contract) -> None:
    garbage = "this is not, a row\n\xff\xfe\n" + "not-a-time,m-1,1,2,3\n"
    (tmp_path / "a.csv").write_bytes(
        (HEADER + row(1)).encode() + garbage.encode("latin-1") + row(2).encode()
    )
    errors: list[BadInput] = []
    readings = take(tail(tmp_path, contract, errors=errors), 2)
    assert [r.event_time.second for r in readings] == [1, 2]
    assert len(errors) == 3
    assert all(isinstance(e, BadInput) and e.source == "mes" and "a.csv" in e.where for e in errors)


def test_an_integer_beyond_int64_passes_as_text() -> None:
    from schemas import load_contract

    spec = load_contract("sorting_events").fields["bin"]  # int64
    assert csv_source.convert("100000000000000000000", spec) == "100000000000000000000"
    assert csv_source.convert(str(2**63 - 1), spec) == 2**63 - 1
    assert csv_source.convert(str(-(2**63)), spec) == -(2**63)


def test_cells_that_do_not_convert_pass_as_text(tmp_path: Path, contract) -> None:
    (tmp_path / "a.csv").write_text(HEADER + "2025-03-01T08:00:01Z,m-1,lots,,50\n")
    (reading,) = take(tail(tmp_path, contract), 1)
    assert reading.values["active_power"] == "lots"
    assert reading.values["voltage_l1"] is None
