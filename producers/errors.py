"""The exceptions of the edge producer.

    EdgeError                  root of the edge (under ``schemas.AssayError``); ``transient``
    ├── EdgeConfigError        the YAML file is wrong (``file``, ``line``, ``key``, ``fix``)
    ├── EdgeStopped            a core thread died; the process must exit (``thread``, ``error``)
    ├── SpoolError             the spool database failed or is inconsistent (``path``, ``code``)
    │   └── SpoolClosed        the spool was closed while a caller waited for room
    ├── SinkError              Kafka refused or could not take a message (``topic``)
    │   └── SinkUnavailable    the broker cannot be reached now (transient)
    └── SourceError            a source could not read or understand its input (``source``)
        ├── BadInput           one input item (line, message, value) is garbage (``where``)
        │   └── Unencodable    a reading no payload can carry (``field``, ``value``, ``reason``)
        ├── SourceTypeError    a value has the wrong type for its field (``field``, ``expected``)
        └── SourceTimeout      a device did not answer in time (transient)

Errors carry their context as attributes; tests assert those, not message text.
Third-party errors are translated at one boundary each: kafka-python in ``producers.sink``,
librdkafka (the optional client) in ``producers.librdkafka``, the industrial clients in their
source module.
"""

from __future__ import annotations

from pathlib import Path

from schemas import AssayError

__all__ = [
    "BadInput",
    "EdgeConfigError",
    "EdgeError",
    "EdgeStopped",
    "SinkError",
    "SinkUnavailable",
    "SourceError",
    "SourceTimeout",
    "SourceTypeError",
    "SpoolClosed",
    "SpoolError",
    "Unencodable",
]


class EdgeError(AssayError):
    """Root of every error the edge raises on purpose."""


class EdgeConfigError(EdgeError):
    """A configuration value is missing or invalid: which file, line and key, and the fix."""

    def __init__(
        self, file: Path | str, key: str, problem: str, fix: str = "", line: int | None = None
    ) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.fix = fix
        self.line = line
        hint = f"\n  fix: {fix}" if fix else ""
        at = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{at}: {key or '<top>'}: {problem}{hint}")

    def at_line(self, line: int | None) -> EdgeConfigError:
        """The same error, placed at ``line`` of its file."""
        return EdgeConfigError(self.file, self.key, self.problem, self.fix, line)


class EdgeStopped(EdgeError):
    """A thread the edge cannot run without ended: the process exits, its supervisor restarts it."""

    def __init__(self, thread: str, error: str) -> None:
        self.thread = thread
        self.error = error
        super().__init__(f"thread {thread} stopped: {error}")


class SpoolError(EdgeError):
    """The spool database could not be opened, written or read.

    ``code`` is SQLite's error name (``SQLITE_FULL``) when SQLite raised it; ``transient`` is
    true for a full disk, an I/O error, a lock or a lack of memory, which a retry may outlive.
    """

    def __init__(
        self, path: Path | str, problem: str, *, code: str = "", transient: bool = False
    ) -> None:
        self.path = str(path)
        self.problem = problem
        self.code = code
        self.transient = transient
        super().__init__(f"spool {self.path}: {problem}")


class SpoolClosed(SpoolError):
    """The spool closed while a source waited for room (shutdown under back-pressure)."""


class SinkError(EdgeError):
    """Kafka rejected a message or an admin request; retrying will not help."""

    def __init__(self, topic: str, problem: str, *, transient: bool = False) -> None:
        self.topic = topic
        self.problem = problem
        self.transient = transient
        super().__init__(f"kafka {topic}: {problem}")


class SinkUnavailable(SinkError):
    """The broker cannot be reached or did not answer in time; the spool keeps everything."""

    def __init__(self, topic: str, problem: str) -> None:
        super().__init__(topic, problem, transient=True)


class SourceError(EdgeError):
    """A source failed; ``source`` is its configured name."""

    def __init__(self, source: str, problem: str, *, transient: bool = False) -> None:
        self.source = source
        self.problem = problem
        self.transient = transient
        super().__init__(f"source {source}: {problem}")


class BadInput(SourceError):
    """One input item could not be understood; it is reported, counted and skipped."""

    def __init__(self, source: str, where: str, problem: str, raw: str = "") -> None:
        self.where = where
        self.raw = raw[:200]
        shown = f" in {raw[:80]!r}" if raw else ""
        super().__init__(source, f"{where}: {problem}{shown}")


class Unencodable(BadInput):
    """A reading the encoder cannot turn into a message (a 2**64 int, bytes, an object).

    ``field`` names the value at fault (``*`` when no single value is, an envelope field when
    that is), ``value`` is its repr cut to 80 characters and ``reason`` a short label for the
    metric (``int_out_of_range``, ``unsupported_type``, ...).
    """

    def __init__(
        self, source: str, device_id: str, field: str, value: str, reason: str, problem: str
    ) -> None:
        self.device_id = device_id
        self.field = field
        self.value = value
        self.reason = reason
        where = f"reading of {device_id!r}, field {field!r} = {value}"
        super().__init__(source, where, f"{reason}: {problem}")


class SourceTypeError(SourceError):
    """A value's type does not fit its contract field (e.g. an OPC UA String for float64)."""

    def __init__(self, source: str, field: str, expected: str, got: str, where: str = "") -> None:
        self.field = field
        self.expected = expected
        self.got = got
        self.where = where
        at = f" at {where}" if where else ""
        super().__init__(source, f"field {field!r}{at}: expected {expected}, got {got}")


class SourceTimeout(SourceError):
    """A device did not answer within its timeout; the source retries."""

    def __init__(self, source: str, device: str, timeout: float) -> None:
        self.device = device
        self.timeout = timeout
        super().__init__(source, f"{device} did not answer within {timeout:g}s", transient=True)
