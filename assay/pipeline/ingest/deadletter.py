"""Dead letters: Kafka records that could not become readings, kept whole with the reason.

Nothing is dropped: a record that cannot be decoded, or does not match its contract's
types, lands in the dead-letter table with its raw bytes, headers, partition, offset, how
many readings it carried, and a specific reason code plus a detail a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import pyarrow as pa


class Reason(StrEnum):
    """Why a record was dead-lettered."""

    EMPTY = "empty_payload"
    TOO_LARGE = "too_large"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_a_json_object"
    UNKNOWN_FIELD = "unknown_field"
    TYPE_MISMATCH = "type_mismatch"
    MISSING_KEY = "missing_key"
    NON_FINITE = "non_finite_number"
    UNKNOWN_CONTRACT = "unknown_contract"
    UNKNOWN_VERSION = "unknown_contract_version"
    UNKNOWN_CONTENT_TYPE = "unknown_content_type"
    INVALID_FRAME = "invalid_frame"
    FRAME_SCHEMA_MISMATCH = "frame_schema_mismatch"
    NAIVE_TIMESTAMP = "naive_timestamp"
    DECODER_ERROR = "decoder_error"
    SKIPPED_BY_OPERATOR = "skipped_by_operator"


class Record(NamedTuple):
    """A Kafka record as the decoder needs it (independent of the client library).

    A named tuple, not a dataclass: landing makes one per message (50k a JSON segment), and a
    frozen dataclass costs three times as much to build.
    """

    topic: str
    partition: int
    offset: int
    timestamp: int  # ms since the epoch, as Kafka gives it
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    def header(self, name: str) -> str | None:
        """A header's value as text, or ``None`` if absent (or sent without a value)."""
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", "replace") if value is not None else None
        return None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One dead-lettered record (or one reading of a frame, when ``index`` >= 0)."""

    record: Record
    reason: Reason
    detail: str
    readings: int = 1
    index: int = -1


HEADER_TYPE = pa.list_(pa.struct([("key", pa.string()), ("value", pa.binary())]))

SCHEMA = pa.schema(
    [
        ("topic", pa.string()),
        ("partition", pa.int32()),
        ("offset", pa.int64()),
        ("index", pa.int32()),
        ("kafka_timestamp", pa.timestamp("ms", tz="UTC")),
        ("key", pa.binary()),
        ("headers", HEADER_TYPE),
        ("value", pa.large_binary()),
        ("readings", pa.int64()),
        ("reason_code", pa.string()),
        ("reason", pa.string()),
    ],
    metadata={"assay.table": "deadletter"},
)


def to_table(letters: list[DeadLetter]) -> pa.Table:
    """The dead-letter table of a segment, in offset order.

    Total, like the decoder: a header without a key or value, text that is not valid Unicode
    (a lone surrogate from a JSON escape) or a number out of its column's range still makes a
    row, with the text escaped and the number left null.
    """
    rows = [_row(d) for d in sorted(letters, key=lambda d: (d.record.offset, d.index))]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def _row(d: DeadLetter) -> dict[str, object]:
    record = d.record
    return {
        "topic": text(record.topic),
        "partition": _bounded(record.partition, 32),
        "offset": _bounded(record.offset, 64),
        "index": _bounded(d.index, 32),
        "kafka_timestamp": _bounded(record.timestamp, 64),
        "key": _bytes(record.key),
        "headers": [{"key": text(k), "value": _bytes(v)} for k, v in record.headers or ()],
        "value": _bytes(record.value),
        "readings": _bounded(d.readings, 64),
        "reason_code": str(d.reason),
        "reason": text(d.detail),
    }


def text(value: object, limit: int = 2000) -> str | None:
    """``value`` as valid UTF-8 text of at most ``limit`` characters (escapes where it is not)."""
    if value is None:
        return None
    value = value if isinstance(value, str) else str(value)
    if not value.isascii():
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _bytes(value: object) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return (text(value, 1 << 20) or "").encode()


def _bounded(value: object, bits: int) -> int | None:
    limit = 1 << (bits - 1)
    return value if isinstance(value, int) and -limit <= value < limit else None
