"""JSON readings in blocks: parsed by ``pyarrow.json``, bisected around the bad ones.

The values of a run of records are joined with newlines and read against the contract's
schema, several times faster than parsing each message. When a block fails, it is split in
halves until the bad records stand alone; each is then dead-lettered with a specific reason,
found by parsing it alone with Python's ``json`` (which names unknown fields, unlike
pyarrow's message). Before any parsing, a record that is not UTF-8 or not an object is set
aside (see `_aside`: pyarrow.json is not safe on either). A leading byte order mark is
dropped, as RFC 8259 lets a parser do.

Unknown fields are rejected, or with ``unknown_fields: drop`` removed from the reading;
then the block is parsed again ignoring them, and the dropped names are counted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.json as pj

from assay.pipeline.ingest.deadletter import DeadLetter, Reason, Record, text
from assay.store.parquet import arrow_owned

BOM = b"\xef\xbb\xbf"
_BLANK = b" \t\r\n"  # JSON's whitespace
MAX_NAMES = 10  # unknown field names quoted in one dead letter


@dataclass(frozen=True)
class JsonPlan:
    """How to parse one contract's JSON readings."""

    schema: pa.Schema  # the parse schema (see `_times.text_schema`)
    drop_unknown: bool = False
    names: frozenset[str] = field(init=False)
    strict: pj.ParseOptions = field(init=False)
    lenient: pj.ParseOptions = field(init=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # a frozen dataclass's derived fields
        set_(self, "names", frozenset(self.schema.names))
        set_(self, "strict", _options(self.schema, "error"))
        set_(self, "lenient", _options(self.schema, "ignore"))


@dataclass
class Part:
    """Records ``lo`` to ``hi`` of a run: a table of their readings, or one dead letter."""

    lo: int
    hi: int
    table: pa.Table | None = None
    dead: DeadLetter | None = None
    dropped: Counter[str] = field(default_factory=Counter)
    error: Exception | None = None  # why a lone record failed, until it is classified


def parse(records: list[Record], plan: JsonPlan) -> Iterator[Part]:
    """Parse a run of JSON records into parts that cover it in order, each record once."""
    values = [r.value or b"" for r in records]
    joined = b"\n".join(values)
    block: bytes | None = joined
    if not joined.isascii() and BOM in joined:
        values, block = [v.removeprefix(BOM) for v in values], None
    start = 0
    for i in [*_aside(values, block), len(values)]:
        if start < i:
            whole = block if (start, i) == (0, len(values)) else None
            for part in _blocks(values, start, i, plan, whole):
                if part.error is not None:  # a lone failure: say why
                    part.dead = _classify(records[part.lo], values[part.lo], part.error, plan)
                yield part
        if i < len(values):
            yield Part(i, i + 1, dead=_refused(records[i], values[i], plan))
        start = i + 1


def _aside(values: list[bytes], block: bytes | None) -> list[int]:
    """Values pyarrow must not see: not UTF-8 (it would land invalid bytes in a string
    column), or not an object — a top-level ``null`` at the start of a block crashes the
    process (apache/arrow#47409) and elsewhere reads as a row of nulls. Each value becomes
    one line of the block, so every line then starts with an object. The common case,
    objects in ASCII, costs a glance at each value and one pass over the joined block."""
    block = b"\n".join(values) if block is None else block
    if all(v[:1] == b"{" for v in values) and (block.isascii() or _is_utf8(block)):
        return []
    return [i for i, v in enumerate(values) if not _is_utf8(v) or v.lstrip(_BLANK)[:1] != b"{"]


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _refused(record: Record, value: bytes, plan: JsonPlan) -> DeadLetter:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError as err:
        return DeadLetter(record, Reason.INVALID_JSON, f"not UTF-8: {err}")
    return _classify(record, value, pa.ArrowInvalid("not a JSON object"), plan)


def _blocks(
    values: list[bytes], lo: int, hi: int, plan: JsonPlan, block: bytes | None = None
) -> Iterator[Part]:
    """Parse ``values[lo:hi]`` (joined: ``block``, if the caller has it); bisect a failing
    block until each bad record stands alone."""
    try:
        yield _parsed(values[lo:hi], lo, hi, plan, block)
        return
    except Exception as exc:  # one bad record must not cost its block: isolate it
        if hi - lo == 1:
            yield Part(lo, hi, error=exc)
            return
    mid = (lo + hi) // 2
    yield from _blocks(values, lo, mid, plan)
    yield from _blocks(values, mid, hi, plan)


def _parsed(values: list[bytes], lo: int, hi: int, plan: JsonPlan, block: bytes | None) -> Part:
    try:
        return Part(lo, hi, table=_read(values, plan.strict, block))
    except pa.ArrowInvalid:
        if not plan.drop_unknown:
            raise
    table = _read(values, plan.lenient, block)  # the block was bad, or only had unknown fields
    return Part(lo, hi, table=table, dropped=_unknown_names(values, plan.names))


def _read(values: list[bytes], options: pj.ParseOptions, block: bytes | None) -> pa.Table:
    block = b"\n".join(values) if block is None else block
    if block.count(b"\n") != len(values) - 1 or b"\r" in block:
        # A raw newline in valid JSON is only ever whitespace, so it may become a space.
        block = b"\n".join(v.replace(b"\n", b" ").replace(b"\r", b" ") for v in values)
    # One thread: on two cores two partitions' tasks already use both, and Arrow's pool
    # cost ~50% more CPU for a 24 MB segment (bench/README.md, "JSON parsed on one thread").
    read = pj.ReadOptions(use_threads=False, block_size=max(1 << 20, 2 * max(map(len, values))))
    # Arrow's own copy: its threads drop the blocks they parsed, and a Python-owned block would
    # need the GIL for that, even after the call returned (`arrow_owned` says why that aborts).
    source = pa.BufferReader(arrow_owned(block))
    table = pj.read_json(source, read_options=read, parse_options=options)
    if table.num_rows != len(values):
        raise pa.ArrowInvalid("a message holds more or less than one JSON value")
    return table


def _unknown_names(values: list[bytes], names: frozenset[str]) -> Counter[str]:
    """Field names not in the contract, with how many readings carried each."""
    found: Counter[str] = Counter()
    for value in values:
        try:
            keys = json.loads(value)
        except (ValueError, RecursionError):
            keys = None
        if isinstance(keys, dict):
            found.update(k for k in keys if k not in names)
        else:  # pyarrow read it but Python's json cannot: count it, nameless
            found["(unreadable)"] += 1
    return found


def _classify(record: Record, value: bytes, exc: Exception, plan: JsonPlan) -> DeadLetter:
    """The specific reason a single JSON record failed."""
    if not isinstance(exc, pa.ArrowInvalid):
        return DeadLetter(record, Reason.DECODER_ERROR, describe(exc))
    try:
        parsed = json.loads(value)
    except RecursionError:
        return DeadLetter(record, Reason.INVALID_JSON, "not JSON: nested too deeply")
    except ValueError as err:
        return DeadLetter(record, Reason.INVALID_JSON, f"not JSON: {err}")
    if not isinstance(parsed, dict):
        kind = type(parsed).__name__
        return DeadLetter(record, Reason.NOT_AN_OBJECT, f"a JSON {kind}, not an object")
    unknown = [k for k in parsed if k not in plan.names]
    if unknown and not plan.drop_unknown:
        detail = f"fields not in the contract: {quote_names(unknown)}"
        return DeadLetter(record, Reason.UNKNOWN_FIELD, detail)
    reason, detail = _pyarrow_reason(str(exc))
    return DeadLetter(record, reason, detail)


def _pyarrow_reason(message: str) -> tuple[Reason, str]:
    detail = message.removeprefix("JSON parse error: ")
    detail = detail.rsplit(" in row ", 1)[0]  # the row within a one-record block says nothing
    if "specified twice" in detail:
        return Reason.INVALID_JSON, f"a key appears twice: {detail}"
    if detail.startswith(("Column(", "Failed to convert", "Number too big")):
        return Reason.TYPE_MISMATCH, detail
    return Reason.INVALID_JSON, detail


def quote_names(names: list[str]) -> str:
    """Field names for a detail: the first few, escaped and shortened, then how many more."""
    shown = ", ".join(text(n, 64) or "" for n in sorted(names)[:MAX_NAMES])
    more = len(names) - MAX_NAMES
    return f"{shown} and {more} more" if more > 0 else shown


def describe(exc: BaseException) -> str:
    """An unexpected exception as a dead letter's detail."""
    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not break the decoder
        message = ""
    return text(f"{type(exc).__name__}: {message}", 500) or ""


def _options(schema: pa.Schema, unexpected: str) -> pj.ParseOptions:
    return pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior=unexpected)
