"""Transport faults: a corrupt or duplicated message, made by the simulator, never by the edge.

Value and timing faults live in a reading's values and arrival; the two transport faults exist
only on the way to Kafka, so the edge's ``Reading``, spool and sender know nothing of them.
They are applied here instead:

* ``FaultyTransport`` wraps the edge's real ``Transport`` when a ``kind: simulator`` source
  injects them (the source installs it through ``SourceContext.wrap_transport``). The source
  marks each faulty reading in a ``FaultBook`` by device and event time; the wrapper looks every
  message's key up (one dict lookup) and, for a device with marks, finds the marked reading in
  the JSON message or the Arrow frame. A frame holding one is cut around it, so the fault still
  hits exactly one reading: the parts keep their seqs, and ``done`` runs once for the whole.
  Marks are kept, so a resend after an outage carries the same fault, as the spool did.
* ``inject`` applies a fault to a message the simulator encodes itself (``send_all``).

A corrupt message is the value reversed behind ``CORRUPT_PREFIX`` (not UTF-8, not JSON) with
``content_type: application/json``: dead-lettered as ``invalid_json``, one reading. A duplicate
is sent again with ``replay=1`` and the same seq, as a crash replay would be.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum

import orjson
import pyarrow as pa

from producers._transport import Delivery, Headers, Transport, WrappedTransport
from producers.encoding import Message, format_ms
from producers.errors import SinkError
from producers.simulator._config import FaultKind
from schemas import wire

__all__ = [
    "CORRUPT_PREFIX",
    "FaultBook",
    "FaultyTransport",
    "InjectedFault",
    "corrupt",
    "inject",
    "injected",
]

CORRUPT_PREFIX = b"\xff\xfe\x00corrupt:"


class InjectedFault(StrEnum):
    """The faults only the transport can make."""

    CORRUPT = "corrupt"  # the encoded bytes are replaced by undecodable ones
    DUPLICATE = "duplicate"  # sent twice with the same (producer_id, seq), as a crash replay


def injected(kind: FaultKind | None) -> InjectedFault | None:
    """The transport fault a simulated reading's fault kind asks for, if any."""
    return InjectedFault(kind.value) if kind in _TRANSPORT_KINDS else None


_TRANSPORT_KINDS = frozenset({FaultKind.CORRUPT, FaultKind.DUPLICATE})


def corrupt(value: bytes) -> bytes:
    """Bytes no decoder takes: not UTF-8, not JSON, not Arrow."""
    return CORRUPT_PREFIX + value[::-1]


def inject(fault: InjectedFault | None, message: Message) -> list[tuple[Message, bool]]:
    """What to send for ``message``: (message, replay) pairs, in order."""
    if fault is InjectedFault.CORRUPT:
        return [(replace(message, value=corrupt(message.value)), False)]
    if fault is InjectedFault.DUPLICATE:
        return [(message, False), (message, True)]
    return [(message, False)]


class FaultBook:
    """Which readings get a transport fault, by message key (device) and event time."""

    def __init__(self) -> None:
        self._marks: dict[bytes, dict[str, InjectedFault]] = {}
        self._lock = threading.Lock()

    def mark(self, device_id: str, event_ms: int, fault: InjectedFault) -> None:
        """Give the reading of ``device_id`` at ``event_ms`` the fault ``fault``."""
        with self._lock:
            self._marks.setdefault(device_id.encode(), {})[format_ms(event_ms)] = fault

    def marks(self, key: bytes | None) -> dict[str, InjectedFault] | None:
        """The marks of a device (by message key), None when it has none."""
        return None if key is None else self._marks.get(key)


class FaultyTransport(WrappedTransport):
    """A ``Transport`` that corrupts or duplicates the messages of marked readings."""

    def __init__(self, inner: Transport, book: FaultBook) -> None:
        super().__init__(inner)
        self.book = book

    def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        headers: Headers,
        done: Delivery,
        partition: int | None = None,
    ) -> None:
        """Send as ``inner`` would, with the fault of a marked reading applied."""
        marks = self.book.marks(key)
        if not marks:
            self.inner.send(topic, key, value, headers, done, partition)
        elif _header(headers, wire.HEADER_CONTENT_TYPE) == wire.ARROW_STREAM:
            self._frame(topic, key, value, headers, done, marks, partition)
        else:
            fault = marks.get(_json_time(value) or "")
            self._one(topic, key, value, headers, done, fault, partition)

    def _one(self, topic: str, key: bytes | None, value: bytes, headers: Headers,
             done: Delivery, fault: InjectedFault | None,
             partition: int | None = None) -> None:  # fmt: skip
        if fault is InjectedFault.CORRUPT:
            value = corrupt(value)
            headers = _with(headers, {wire.HEADER_CONTENT_TYPE: wire.JSON.encode()})
        self.inner.send(topic, key, value, headers, done, partition)
        if fault is InjectedFault.DUPLICATE:
            again = _with(headers, {wire.HEADER_REPLAY: b"1"})
            self.inner.send(topic, key, value, again, _ignore, partition)

    def _frame(self, topic: str, key: bytes | None, value: bytes, headers: Headers,
               done: Delivery, marks: dict[str, InjectedFault],
               partition: int | None = None) -> None:  # fmt: skip
        """A frame holding marked readings, cut so that each fault hits its reading alone."""
        table = pa.ipc.open_stream(value).read_all()
        times = table.column("event_time").cast(pa.timestamp("ms", "UTC")).cast(pa.int64())
        faults = [marks.get(format_ms(ms)) for ms in times.to_pylist()]
        if not any(faults):
            self.inner.send(topic, key, value, headers, done, partition)
            return
        parts = _runs(faults)
        first, gather = int(_header(headers, wire.HEADER_SEQ)), _Gather(len(parts), done)
        for start, count, fault in parts:
            seqs = {wire.HEADER_SEQ: str(first + start).encode(), wire.HEADER_COUNT: b"%d" % count}
            part = _ipc(table.slice(start, count))
            self._one(topic, key, part, _with(headers, seqs), gather, fault, partition)


def _runs(faults: Sequence[InjectedFault | None]) -> list[tuple[int, int, InjectedFault | None]]:
    """(start, count, fault) parts: each marked row alone, the clean rows between in runs."""
    parts: list[tuple[int, int, InjectedFault | None]] = []
    for i, fault in enumerate(faults):
        if fault is None and parts and parts[-1][2] is None:
            start, count, _ = parts[-1]
            parts[-1] = (start, count + 1, None)
        else:
            parts.append((i, 1, fault))
    return parts


class _Gather:
    """One ``done`` for a message sent in parts: acknowledged once all are, failed at the first."""

    def __init__(self, parts: int, done: Delivery) -> None:
        self._left, self._done, self._over = parts, done, False
        self._lock = threading.Lock()

    def __call__(self, error: SinkError | None) -> None:
        with self._lock:
            if self._over:
                return
            self._left -= 1
            self._over = error is not None or self._left == 0
            if not self._over:
                return
        self._done(error)


def _ignore(error: SinkError | None) -> None:
    """The second copy of a duplicate: its fate does not matter."""


def _header(headers: Headers, name: str) -> str:
    return next((v.decode() for k, v in headers if k == name), "")


def _with(headers: Headers, changes: dict[str, bytes]) -> Headers:
    return [(k, changes.get(k, v)) for k, v in headers]


def _json_time(value: bytes) -> str | None:
    try:
        time = orjson.loads(value).get("event_time")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return time if isinstance(time, str) else None


def _ipc(data: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write(data)
    return bytes(sink.getvalue().to_pybytes())
