"""CSV / MES export tail: watch a folder, read new complete rows, resume exactly where spooled.

Config (``kind: csv``)::

    folder: /data/mes-export      # watched folder; files are read in name order
    pattern: "*.csv"
    device_column: machine        # or device_id: press-07 for a one-device file
    time_column: timestamp
    time_format: iso              # iso | epoch_s | epoch_ms | a strptime format
    timezone: UTC                 # for times without an offset
    columns: {shot_count: Shots}  # contract field -> CSV column; unmapped fields: same name

The first line of each file is its header. Only lines ending in a newline are read, so a row
being written is picked up once complete. Every reading carries the checkpoint
``{"file": name, "offset": bytes}`` of the end of its line; the edge stores it with the reading
in one spool transaction, so a restart neither skips nor repeats a row. A later file is opened
once the current one has no complete line left. A garbage line (wrong field count, bad bytes,
no device or time) is reported as ``BadInput`` (with file and line) and skipped. Cells are
converted to the contract's types; a cell that does not convert (``lots``, or an integer beyond
int64 such as ``100000000000000000000``) is passed on as text, so the reading lands in
quarantine downstream with the reason. Quoted fields with embedded newlines
are not supported (MES exports put one row on one line).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from threading import Event
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field

from producers._reading import Reading
from producers.errors import BadInput
from producers.sources._base import FieldMap, SourceContext, SourceOptions, parse_time
from schemas import FieldSpec

__all__ = ["CsvTail", "Options", "build", "convert", "field_map"]


class Options(SourceOptions):
    """Options of a CSV / MES export tail."""

    folder: Path
    pattern: str = "*.csv"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = "utf-8"
    device_column: str | None = None
    device_id: str | None = None
    time_column: str = "event_time"
    time_format: str = "iso"
    timezone: str = "UTC"
    columns: dict[str, str] = Field(default_factory=dict)
    poll_interval_s: float = Field(default=1.0, gt=0)


def build(options: Options, context: SourceContext) -> CsvTail:
    """The tail for these options."""
    return CsvTail(options, context)


def field_map(options: Options) -> list[FieldMap]:
    """Mapped columns; every other contract field is read from the column of its own name."""
    return [FieldMap("", None, {f: f"columns.{f}" for f in options.columns}, by_name=True)]


_INT64 = range(-(2**63), 2**63)
_TRUE = {"1", "true", "yes", "y", "on", "t"}
_FALSE = {"0", "false", "no", "n", "off", "f"}


def convert(text: str, spec: FieldSpec) -> Any:
    """A CSV cell as the field's type; empty is None; unconvertible text is returned as is."""
    if text == "":
        return None
    try:
        if spec.type == "int64":
            number = int(text)
            return number if number in _INT64 else text
        if spec.type == "float64":
            return float(text)
        if spec.type == "bool" and text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
    except ValueError:
        return text
    return text


class CsvTail:
    """Tails the CSV files of a folder in name order from a stored checkpoint."""

    def __init__(self, options: Options, context: SourceContext) -> None:
        self.name = options.name
        self.options = options
        self.context = context
        self._zone: tzinfo = UTC if options.timezone == "UTC" else ZoneInfo(options.timezone)
        position = json.loads(context.checkpoint) if context.checkpoint else {}
        self._file: str | None = position.get("file")
        self._offset: int = int(position.get("offset", 0))
        self._fields = {f: options.columns.get(f, f) for f in context.contract.fields}

    def readings(self, stop: Event) -> Iterator[Reading]:
        """Yield readings from new complete lines until ``stop`` is set."""
        while not stop.is_set():
            current = self._current()
            if current is None:
                stop.wait(self.options.poll_interval_s)
                continue
            count = 0
            for reading in self._read(current):
                count += 1
                yield reading
            if count == 0 and not self._advance(current):
                stop.wait(self.options.poll_interval_s)

    def _files(self) -> list[Path]:
        return sorted(p for p in self.options.folder.glob(self.options.pattern) if p.is_file())

    def _current(self) -> Path | None:
        files = self._files()
        if self._file is None and files:
            self._file, self._offset = files[0].name, 0
        for path in files:
            if path.name == self._file:
                return path
            if self._file is not None and path.name > self._file:  # ours was removed
                self._file, self._offset = path.name, 0
                return path
        return None

    def _advance(self, current: Path) -> bool:
        later = [p for p in self._files() if p.name > current.name]
        if not later:
            return False
        self._file, self._offset = later[0].name, 0
        return True

    def _read(self, path: Path) -> Iterator[Reading]:
        with path.open("rb") as fh:
            header, header_end = self._header(fh, path)
            if header is None:
                return
            if self._offset < header_end:
                self._offset = header_end
            if path.stat().st_size < self._offset:
                self._report(path, 0, "the file shrank below the checkpoint; reading it again", "")
                self._offset = header_end
            fh.seek(self._offset)
            for raw in fh:
                if not raw.endswith(b"\n"):
                    return  # an incomplete row: wait until its writer finishes it
                self._offset += len(raw)
                reading = self._reading(path, header, raw)
                if reading is not None:
                    yield reading

    def _header(self, fh: Any, path: Path) -> tuple[list[str] | None, int]:
        first = fh.readline()
        if not first.endswith(b"\n"):
            return None, 0
        try:
            return self._split(first), len(first)
        except (UnicodeDecodeError, csv.Error) as exc:
            self._report(path, 1, f"unreadable header: {exc}", repr(first))
            return None, 0

    def _split(self, raw: bytes) -> list[str]:
        text = raw.decode(self.options.encoding).rstrip("\r\n")
        return next(csv.reader([text], delimiter=self.options.delimiter), [])

    def _reading(self, path: Path, header: list[str], raw: bytes) -> Reading | None:
        try:
            cells = self._split(raw)
        except (UnicodeDecodeError, csv.Error) as exc:
            self._report(path, self._offset, f"unreadable line: {exc}", repr(raw))
            return None
        if not any(cells):
            return None  # blank line
        if len(cells) != len(header):
            problem = f"{len(cells)} fields, the header has {len(header)}"
            self._report(path, self._offset, problem, raw.decode(errors="replace"))
            return None
        return self._row(path, dict(zip(header, cells, strict=True)), raw)

    def _row(self, path: Path, row: dict[str, str], raw: bytes) -> Reading | None:
        device = self.options.device_id or row.get(self.options.device_column or "device_id", "")
        try:
            moment = self._time(row.get(self.options.time_column, ""))
        except (ValueError, OverflowError) as exc:
            self._report(path, self._offset, f"bad time: {exc}", raw.decode(errors="replace"))
            return None
        if not device:
            self._report(path, self._offset, "no device id", raw.decode(errors="replace"))
            return None
        specs = self.context.contract.fields
        values = {f: convert(row[c], specs[f]) for f, c in self._fields.items() if c in row}
        checkpoint = json.dumps({"file": path.name, "offset": self._offset})
        return Reading(
            self.context.contract.name,
            device,
            moment,
            values,
            site=self.options.site,
            checkpoint=checkpoint,
        )

    def _time(self, text: str) -> datetime:
        return parse_time(text, self.options.time_format, self._zone)

    def _report(self, path: Path, where: int, problem: str, raw: str) -> None:
        where_text = f"{path.name} line ending at byte {where}"
        self.context.report(BadInput(self.name, where_text, problem, raw))
