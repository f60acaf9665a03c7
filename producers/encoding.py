"""Readings -> Kafka messages: one JSON object per reading, or one Arrow frame of many.

API (stable; the simulator and the downstream decoder rely on it)::

    encoder = Encoder(contract, producer_id="gw-01", site="plant-a")
    encoder.json(reading, seq, ingest_ms) -> Message
    encoder.frame(readings, first_seq, ingest_ms) -> Message    # one device's readings
    encoder.columns(batch, first_seq, ingest_ms) -> Message     # one ReadingBatch, no dicts
    headers(message, producer_id, replay) -> list[tuple[str, bytes]]
    format_ms(epoch_ms) -> "2025-03-01T08:00:00.125Z";  epoch_ms(datetime) -> int

Payload kinds (header ``content_type``, names from ``schemas.wire``):

* ``application/json`` — one UTF-8 JSON object per message: the envelope fields
  (``producer_id``, ``seq``, ``site``, ``device_id``, ``event_time``, ``ingest_time``) then the
  contract's fields as the source gave them. Timestamps are RFC 3339 UTC strings with a ``Z``
  and exactly three fraction digits (ms), dates ``YYYY-MM-DD`` — as ``schemas._jsonschema``
  says. Values are not coerced: a wrong type is the downstream quarantine's business.
* ``application/vnd.apache.arrow.stream`` — an Arrow IPC stream holding one record batch in
  the contract's Arrow schema (``schemas.to_arrow_schema``), envelope columns included; the
  ``seq`` column runs ``first_seq .. first_seq + count - 1`` and header ``seq`` is the first.
  All readings of a frame share one ``device_id`` (the key), so per-device order holds.
  ``frame`` builds it from ``Reading`` objects, ``columns`` from a ``ReadingBatch``'s Arrow
  columns (the same bytes for the same readings).
  A reader: ``pyarrow.ipc.open_stream(value).read_all()``.

Headers (UTF-8 values): ``contract``, ``contract_version``, ``producer_id``, ``seq``, ``count``,
``content_type``, ``replay`` (``1`` when the message may have been sent before, else ``0``) and,
when a source knows it, ``quality`` (worst OPC UA status: ``good``/``uncertain``/``bad``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import orjson

from producers._reading import Reading, ReadingBatch
from schemas import Contract, to_arrow_schema, topic_name, wire

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "Encoder",
    "Message",
    "epoch_ms",
    "format_ms",
    "headers",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class Message:
    """One Kafka message as spooled: payload, key, and what its headers will say."""

    seq: int
    count: int
    topic: str
    key: bytes
    value: bytes
    content_type: str
    contract: str
    version: str
    quality: str | None = None


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MS


def format_ms(ms: int) -> str:
    """An epoch-ms instant as the contract's JSON timestamp: ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    seconds, millis = divmod(ms, 1000)
    return f"{_second(seconds)}.{millis:03d}Z"


@lru_cache(maxsize=8192)
def _second(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def headers(message: Message, producer_id: str, replay: bool) -> list[tuple[str, bytes]]:
    """The Kafka headers of a message (see the module docstring)."""
    contract, version, producer, content = _fixed_headers(
        message.contract, message.version, producer_id, message.content_type
    )
    count = message.count
    out = [
        contract,
        version,
        producer,
        (wire.HEADER_SEQ, str(message.seq).encode()),
        _COUNT_ONE if count == 1 else (wire.HEADER_COUNT, str(count).encode()),
        content,
        _REPLAYED if replay else _FIRST_SEND,
    ]
    if message.quality:
        out.append(("quality", message.quality.encode()))
    return out


_COUNT_ONE = (wire.HEADER_COUNT, b"1")
_REPLAYED, _FIRST_SEND = (wire.HEADER_REPLAY, b"1"), (wire.HEADER_REPLAY, b"0")


@lru_cache(maxsize=64)
def _fixed_headers(
    contract: str, version: str, producer_id: str, content_type: str
) -> tuple[tuple[str, bytes], ...]:
    """The headers that repeat on every message of a producer's contract, encoded once."""
    return (
        (wire.HEADER_CONTRACT, contract.encode()),
        (wire.HEADER_VERSION, version.encode()),
        (wire.HEADER_PRODUCER, producer_id.encode()),
        (wire.HEADER_CONTENT_TYPE, content_type.encode()),
    )


class Encoder:
    """Encodes one contract's readings for one producer."""

    def __init__(self, contract: Contract, producer_id: str, site: str) -> None:
        self.contract = contract
        self.producer_id = producer_id
        self.site = site
        self.topic = topic_name(contract)
        self._known = frozenset(contract.fields)
        self._temporal = tuple(
            (name, spec.precision or "ms")
            for name, spec in contract.fields.items()
            if spec.type in ("timestamp", "date")
        )
        self._columnar_names = frozenset(contract.fields) | {"event_time"}

    @cached_property
    def schema(self) -> pa.Schema:
        """The contract's Arrow schema: made on the first frame, so JSON needs no pyarrow."""
        return to_arrow_schema(self.contract)

    @cached_property
    def _values_schema(self) -> pa.Schema:
        import pyarrow as pa

        return pa.schema([self.schema.field(name) for name in self.contract.fields])

    def json(self, reading: Reading, seq: int, ingest_ms: int) -> Message:
        """One reading as one JSON message."""
        value = orjson.dumps(self._document(reading, seq, ingest_ms))
        return self._message(reading.device_id, seq, 1, value, wire.JSON, reading.quality)

    def _document(self, reading: Reading, seq: int, ingest_ms: int) -> dict[str, Any]:
        values = reading.values
        if self._temporal:
            values = _temporal_to_text(values, self._temporal)
        return {
            "producer_id": self.producer_id,
            "seq": seq,
            "site": reading.site or self.site,
            "device_id": reading.device_id,
            "event_time": format_ms(epoch_ms(reading.event_time)),
            "ingest_time": format_ms(ingest_ms),
            **values,
        }

    def frame(self, readings: Sequence[Reading], first_seq: int, ingest_ms: int) -> Message:
        """Many readings of one device as one Arrow IPC stream message.

        Raises ``ValueError`` when a reading does not fit the Arrow schema (unknown field,
        wrong type); the caller then sends those readings as JSON so each one is judged
        (and, if bad, dead-lettered with its reason) on its own downstream.
        """
        batch = self._batch(readings, first_seq, ingest_ms)
        first = readings[0]
        return self._message(
            first.device_id,
            first_seq,
            len(readings),
            _ipc(self.schema, batch),
            wire.ARROW_STREAM,
            first.quality,
        )

    def columns(self, batch: ReadingBatch, first_seq: int, ingest_ms: int) -> Message:
        """A ``ReadingBatch`` as one Arrow IPC stream message, seqs ``first_seq ..``.

        No Python object per reading: the envelope columns are made whole (constants repeated,
        ``seq`` a range) and the source's columns are used as they are, cast only when their
        type differs. Raises ``ValueError`` when a column is not the contract's or cannot be
        cast; the caller then sends the rows as JSON, as for ``frame``.
        """
        table = self._columnar(batch, first_seq, ingest_ms)
        value = _ipc(self.schema, table)
        return self._message(batch.device_id, first_seq, batch.count, value, wire.ARROW_STREAM)

    def _columnar(self, batch: ReadingBatch, first: int, ingest_ms: int) -> pa.Table:
        import pyarrow as pa

        given = batch.columns
        unknown = set(given.schema.names) - self._columnar_names
        if unknown:
            raise ValueError(f"columns the contract does not declare: {', '.join(sorted(unknown))}")
        n = given.num_rows
        envelope = {
            "producer_id": self.producer_id,
            "site": batch.site or self.site,
            "device_id": batch.device_id,
            "ingest_time": ingest_ms,
        }
        try:
            arrays = [
                pa.array(range(first, first + n), pa.int64())
                if f.name == "seq"
                else pa.repeat(pa.scalar(envelope[f.name], f.type), n)
                if f.name in envelope
                else _column(given, f, n)
                for f in self.schema
            ]
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise ValueError(
                f"columns do not fit {self.contract.name}'s Arrow schema: {exc}"
            ) from exc
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def _batch(self, readings: Sequence[Reading], first: int, ingest_ms: int) -> pa.RecordBatch:
        import pyarrow as pa

        rows = [r.values for r in readings]
        if not set().union(*rows) <= self._known:  # one C-level pass over every row's keys
            raise ValueError("a reading has fields the contract does not declare")
        n = len(readings)
        sites = [r.site for r in readings]
        try:
            envelope = [
                pa.array([self.producer_id] * n, pa.string()),
                pa.array(range(first, first + n), pa.int64()),
                pa.array(
                    [s or self.site for s in sites] if any(sites) else [self.site] * n, pa.string()
                ),
                pa.array([r.device_id for r in readings], pa.string()),
                pa.array([r.event_time for r in readings], self.schema.field("event_time").type),
                pa.array([ingest_ms] * n, self.schema.field("ingest_time").type),
            ]
            # Value columns are built in C++ (from_pylist): a Python loop per field cost 3x more.
            values = pa.RecordBatch.from_pylist(rows, schema=self._values_schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
            raise ValueError(
                f"readings do not fit {self.contract.name}'s Arrow schema: {exc}"
            ) from exc
        return pa.RecordBatch.from_arrays([*envelope, *values.columns], schema=self.schema)

    def _message(
        self,
        device_id: str,
        seq: int,
        count: int,
        value: bytes,
        kind: str,
        quality: str | None = None,
    ) -> Message:
        return Message(
            seq=seq,
            count=count,
            topic=self.topic,
            key=device_id.encode(),
            value=value,
            content_type=kind,
            contract=self.contract.name,
            version=self.contract.version,
            quality=quality,
        )


def _ipc(schema: pa.Schema, data: pa.RecordBatch | pa.Table) -> bytes:
    """One Arrow IPC stream holding ``data``."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write(data)
    return bytes(sink.getvalue().to_pybytes())


def _column(given: pa.RecordBatch | pa.Table, field: pa.Field, n: int) -> pa.Array:
    """A source's column as the field's type, or nulls when the source did not give it."""
    import pyarrow as pa

    if field.name not in given.schema.names:
        return pa.nulls(n, field.type)
    column = given.column(field.name)
    return column if column.type == field.type else column.cast(field.type)


def _temporal_to_text(
    values: dict[str, Any], fields: tuple[tuple[str, str], ...]
) -> dict[str, Any]:
    """Timestamp and date values in their JSON spelling; other values untouched."""
    out = dict(values)
    for name, precision in fields:
        value = out.get(name)
        if isinstance(value, datetime):
            out[name] = _format_timestamp(value, precision)
        elif isinstance(value, date):
            out[name] = value.isoformat()
    return out


def _format_timestamp(value: datetime, precision: str) -> str:
    if precision == "ms":
        return format_ms(epoch_ms(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
