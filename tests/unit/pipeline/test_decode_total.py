"""Decoding is total: over arbitrary bytes, JSON, headers and damaged frames, `decode` returns,
and every record is accounted for exactly once (see `decoding.check`)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assay.pipeline.ingest.deadletter import Record
from schemas import load_contract, wire

from .conftest import TOPIC, reading
from .decoding import edge_frame, run, variant

ENERGY = load_contract("energy_meter")
CONTRACTS = [
    ENERGY,
    variant(ENERGY, unknown_fields="drop"),
    variant(ENERGY, timezone="Asia/Shanghai"),
    variant(ENERGY, event_time_encoding="epoch_ms", unknown_fields="drop"),
]
FRAMES = [edge_frame(ENERGY, n, first_seq=10 * n) for n in (1, 3, 6)]
MANY = settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Headers ------------------------------------------------------------------------------
NAMES = [wire.HEADER_CONTRACT, wire.HEADER_VERSION, wire.HEADER_CONTENT_TYPE, wire.HEADER_COUNT]
GOOD_VALUES = [b"energy_meter", b"1.0.0", b"1.9.3", wire.JSON.encode(), wire.ARROW_STREAM.encode()]
COUNTS = [b"1", b"3", b"0", b"-1", b"9" * 30, b"1e3", b"\xff", b" 2 ", b"\xd9\xa3"]
header_key = st.none() | st.sampled_from([*NAMES, wire.HEADER_REPLAY]) | st.text(max_size=8)
header_value = st.none() | st.sampled_from(GOOD_VALUES + COUNTS) | st.binary(max_size=12)
headers = st.lists(st.tuples(header_key, header_value), max_size=6).map(tuple)


def records_of(values: list[tuple[bytes | None, tuple[Any, ...]]]) -> list[Record]:
    return [
        Record(TOPIC, 0, offset, 1_772_352_000_000 + offset, b"meter-0", value, hdrs)
        for offset, (value, hdrs) in enumerate(values)
    ]


# JSON -----------------------------------------------------------------------------------
# Raw tokens json.dumps never writes: numbers beyond double and int64, lone surrogates, NUL.
TOKENS = [
    "1e400", "-1e400", "1e-400", "2e308", "123456789012345678901234567890", "-0", "NaN",
    "Infinity", '"\\ud800"', '"\\udfff\\ud800x"', '"\\u0000"', '"\\uFEFF"', "null",
    "9223372036854775808", '"2026-11-27T10:00:00"', '"2026-11-27T10:00:00+08:00"',
    '"2026-03-29T02:30:00"', "1772352000123",
]  # fmt: skip
odd_text = st.text(st.characters(blacklist_categories=()), max_size=8)  # surrogates included
leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | odd_text
)
json_value = st.recursive(
    leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3)
)
FIELDS = [*reading(0), "firmware", "colour"]
key = st.sampled_from(FIELDS) | odd_text


@st.composite
def value_text(draw: st.DrawFn) -> str:
    """One JSON value as text: generated, a raw token, or nested deeply."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.sampled_from(TOKENS))
    if kind == 1:
        depth = draw(st.integers(1, 3000))
        return "[" * depth + "]" * depth
    return json.dumps(draw(json_value), ensure_ascii=draw(st.booleans()))


@st.composite
def json_payload(draw: st.DrawFn) -> bytes:
    """A reading with some fields replaced, added or repeated (duplicate keys), or any JSON."""
    if draw(st.integers(0, 4)) == 0:
        text = draw(value_text())
    else:
        pairs = [(k, json.dumps(v)) for k, v in reading(draw(st.integers(0, 99))).items()]
        for _ in range(draw(st.integers(0, 3))):
            change = (draw(key), draw(value_text()))
            if draw(st.booleans()) and pairs:
                pairs[draw(st.integers(0, len(pairs) - 1))] = change
            else:
                pairs.insert(draw(st.integers(0, len(pairs))), change)
        text = "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in pairs) + "}"
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes invalid UTF-8
    return draw(st.sampled_from([b"", b"\xef\xbb\xbf", b" \n"])) + data


# Frames ---------------------------------------------------------------------------------
EXTREMES = [0xFFFFFFFF, 0x7FFFFFFF, 10**8, 2**62, -1, 0]


@st.composite
def damaged_frame(draw: st.DrawFn) -> bytes:
    """A real frame with bytes flipped, inserted, cut, or a length overwritten."""
    data = bytearray(draw(st.sampled_from(FRAMES)))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.integers(0, 4))
        if how == 0:
            data[at] ^= draw(st.integers(1, 255))
        elif how == 1:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif how == 2:
            del data[at : at + draw(st.integers(1, 64))]
        elif how == 3:
            size = draw(st.sampled_from([4, 8]))
            value = draw(st.sampled_from(EXTREMES)) % (1 << (8 * size))
            data[at : at + size] = value.to_bytes(size, "little")
        else:
            del data[at:]
        if not data:
            data = bytearray(b"\x00")
    return bytes(data)


FRAME_HEADERS = ((wire.HEADER_CONTENT_TYPE, wire.ARROW_STREAM.encode()),)
JSON_HEADERS = ((wire.HEADER_CONTRACT, b"energy_meter"), (wire.HEADER_VERSION, b"1.0.0"))


# Properties -----------------------------------------------------------------------------
@MANY
@given(st.lists(st.tuples(st.none() | st.binary(max_size=300), headers), max_size=6))
def test_arbitrary_bytes_and_headers(values: list[tuple[bytes | None, tuple[Any, ...]]]) -> None:
    run(ENERGY, records_of(values))


@MANY
@given(
    st.sampled_from(CONTRACTS),
    st.lists(st.tuples(json_payload(), st.sampled_from([(), JSON_HEADERS])), max_size=6),
)
def test_arbitrary_json(contract: Any, values: list[tuple[bytes, tuple[Any, ...]]]) -> None:
    run(contract, records_of(values))


@MANY
@given(
    st.lists(
        st.tuples(st.sampled_from([b"x", *FRAMES, json.dumps(reading(1)).encode()]), headers),
        max_size=6,
    )
)
def test_valid_payloads_under_arbitrary_headers(values: list[tuple[bytes, Any]]) -> None:
    run(ENERGY, records_of(values))


@MANY
@given(
    st.sampled_from(CONTRACTS[:2]),
    st.lists(
        st.tuples(
            damaged_frame() | st.sampled_from(FRAMES),
            st.sampled_from([*COUNTS, None]).map(
                lambda c: FRAME_HEADERS + (((wire.HEADER_COUNT, c),) if c is not None else ())
            ),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_damaged_frames(contract: Any, values: list[tuple[bytes, tuple[Any, ...]]]) -> None:
    run(contract, records_of(values))
