"""Decoding: good readings become rows, each kind of bad record a specific dead letter."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pytest

from assay.pipeline.ingest.deadletter import Reason, to_table
from assay.pipeline.ingest.decode import Expect, decode
from schemas import Contract, to_arrow_schema, wire

from .conftest import TOPIC, reading, record
from .decoding import plain, variant
from .decoding import run as check_run


def run(contract: Contract, records: list) -> tuple[pa.Table, list]:
    schema = to_arrow_schema(contract)
    out = decode(records, Expect(contract.name, contract.major, schema))
    return out.table(schema), out.dead


def test_good_json_readings_become_rows_with_provenance(energy: Contract) -> None:
    table, dead = run(energy, [record(i, reading(i)) for i in range(10)])
    assert dead == []
    assert table.num_rows == 10
    assert table["seq"].to_pylist() == list(range(10))
    assert table["kafka_offset"].to_pylist() == list(range(10))
    assert table.schema.field("event_time").type == pa.timestamp("ms", tz="UTC")


POISON = [
    (b"not json at all", Reason.INVALID_JSON),
    (b"\xff\xfe\x00garbage", Reason.INVALID_JSON),
    ('{"producer_id": "x"}'.encode("utf-16"), Reason.INVALID_JSON),
    (b"[1, 2, 3]", Reason.NOT_AN_OBJECT),
    (b'{"a": 1}{"b": 2}', Reason.INVALID_JSON),
    (b"", Reason.EMPTY),
]


@pytest.mark.parametrize(("payload", "reason"), POISON)
def test_undecodable_payloads_are_dead_lettered(
    energy: Contract, payload: bytes, reason: Reason
) -> None:
    records = [record(0, reading(0)), record(1, payload), record(2, reading(2))]
    table, dead = run(energy, records)
    assert table["kafka_offset"].to_pylist() == [0, 2]
    assert [(d.record.offset, d.reason) for d in dead] == [(1, reason)]
    assert dead[0].record.value == payload


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"active_power": "high"}, Reason.TYPE_MISMATCH),
        ({"seq": 1.5}, Reason.TYPE_MISMATCH),
        ({"event_time": "yesterday"}, Reason.TYPE_MISMATCH),
        ({"colour": "red"}, Reason.UNKNOWN_FIELD),
        ({"device_id": ...}, Reason.MISSING_KEY),
        ({"producer_id": None}, Reason.MISSING_KEY),
    ],
)
def test_contract_mismatches_are_dead_lettered(
    energy: Contract, overrides: dict, reason: Reason
) -> None:
    table, dead = run(
        energy, [record(i, reading(i, **overrides) if i == 3 else reading(i)) for i in range(6)]
    )
    assert table.num_rows == 5
    assert [(d.record.offset, d.reason) for d in dead] == [(3, reason)]


def test_non_finite_numbers_are_dead_lettered(energy: Contract) -> None:
    payload = b'{"producer_id":"e","seq":1,"site":"s","device_id":"d","active_power":NaN}'
    table, dead = run(energy, [record(0, payload), record(1, reading(1))])
    assert table.num_rows == 1
    assert dead[0].reason == Reason.NON_FINITE
    assert "active_power" in dead[0].detail


def test_missing_required_value_stays_a_reading_for_quarantine(energy: Contract) -> None:
    table, dead = run(energy, [record(0, reading(0, active_power=...))])
    assert dead == []
    assert table["active_power"].to_pylist() == [None]


def test_wrong_contract_or_major_version_in_headers(energy: Contract) -> None:
    records = [
        record(0, reading(0), headers={wire.HEADER_CONTRACT: "sorting_events"}),
        record(1, reading(1), headers={wire.HEADER_VERSION: "2.0.0"}),
        record(2, reading(2), headers={wire.HEADER_CONTENT_TYPE: "text/csv"}),
        record(3, reading(3), headers={wire.HEADER_VERSION: "1.4.0"}),
    ]
    table, dead = run(energy, records)
    assert [d.reason for d in dead] == [
        Reason.UNKNOWN_CONTRACT,
        Reason.UNKNOWN_VERSION,
        Reason.UNKNOWN_CONTENT_TYPE,
    ]
    assert table["kafka_offset"].to_pylist() == [3]


def test_header_verdicts_hold_for_every_record_not_only_the_first(energy: Contract) -> None:
    """What a (contract, version, content type) means is worked out once: later records with
    the same headers get the same verdict, records with other headers their own."""
    wrong = {wire.HEADER_VERSION: "2.0.0"}
    records = [record(i, reading(i), headers=wrong if i % 3 == 1 else None) for i in range(9)]
    table, dead = run(energy, records)
    assert [(d.record.offset, d.reason) for d in dead] == [
        (i, Reason.UNKNOWN_VERSION) for i in (1, 4, 7)
    ]
    assert table["kafka_offset"].to_pylist() == [0, 2, 3, 5, 6, 8]


def test_the_first_header_of_a_name_counts(energy: Contract) -> None:
    good = record(0, reading(0))
    doubled = good._replace(headers=((wire.HEADER_CONTRACT, b"sorting_events"), *good.headers))
    _, dead = run(energy, [doubled])
    assert [d.reason for d in dead] == [Reason.UNKNOWN_CONTRACT]


def test_replay_flag_becomes_provenance_for_json_and_frames(energy: Contract) -> None:
    frame_headers = {wire.HEADER_CONTENT_TYPE: wire.ARROW_STREAM, wire.HEADER_REPLAY: "1"}
    records = [
        record(0, reading(0), headers={wire.HEADER_REPLAY: "1"}),
        record(1, reading(1), headers={wire.HEADER_REPLAY: "0"}),
        record(2, reading(2)),
        record(3, frame(energy, frame_rows(2)), headers=frame_headers),
        record(
            4, frame(energy, frame_rows(2)), headers={wire.HEADER_CONTENT_TYPE: wire.ARROW_STREAM}
        ),
    ]
    table, dead = run(energy, records)
    assert dead == []
    assert table["kafka_replay"].to_pylist() == [True, False, False, True, True, False, False]
    assert table["kafka_offset"].to_pylist() == [0, 1, 2, 3, 3, 4, 4]
    assert table["kafka_partition"].to_pylist() == [0] * 7
    assert table["kafka_timestamp"].null_count == 0


def test_replay_flags_stay_with_their_readings_when_a_block_is_bisected(
    energy: Contract,
) -> None:
    replayed = {wire.HEADER_REPLAY: "1"}
    records = [
        record(i, b"{oops" if i == 5 else reading(i), headers=replayed if i % 3 == 0 else None)
        for i in range(9)
    ]
    table, dead = run(energy, records)
    assert [(d.record.offset, d.reason) for d in dead] == [(5, Reason.INVALID_JSON)]
    assert table["kafka_offset"].to_pylist() == [0, 1, 2, 3, 4, 6, 7, 8]
    assert table["kafka_replay"].to_pylist() == [o % 3 == 0 for o in (0, 1, 2, 3, 4, 6, 7, 8)]


def test_too_large_message(energy: Contract) -> None:
    big = reading(0, circuit="X" * (2 << 20))
    _, dead = run(energy, [record(0, big)])
    assert dead[0].reason == Reason.TOO_LARGE


def test_pretty_printed_json_with_newlines_is_fine(energy: Contract) -> None:
    import json

    payload = json.dumps(reading(0), indent=2).encode()
    table, dead = run(energy, [record(0, payload), record(1, reading(1))])
    assert (table.num_rows, dead) == (2, [])


def frame(contract: Contract, rows: list[dict]) -> bytes:
    schema = to_arrow_schema(contract)
    table = pa.Table.from_pylist(rows, schema=pa.schema([f.with_nullable(True) for f in schema]))
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def frame_rows(n: int) -> list[dict]:
    import datetime as dt

    rows = []
    for i in range(n):
        row = reading(i)
        for k in ("event_time", "ingest_time"):
            row[k] = dt.datetime.fromisoformat(row[k].replace("Z", "+00:00"))
        rows.append(row)
    return rows


def test_arrow_frames_and_json_mix_in_offset_order(energy: Contract) -> None:
    frame_headers = {wire.HEADER_CONTENT_TYPE: wire.ARROW_STREAM, wire.HEADER_COUNT: "4"}
    records = [
        record(0, reading(100)),
        record(1, frame(energy, frame_rows(4)), headers=frame_headers),
        record(2, reading(200)),
    ]
    table, dead = run(energy, records)
    assert dead == []
    assert table["kafka_offset"].to_pylist() == [0, 1, 1, 1, 1, 2]
    assert table["kafka_index"].to_pylist() == [0, 0, 1, 2, 3, 0]


def test_broken_frame_counts_its_readings(energy: Contract) -> None:
    headers = {wire.HEADER_CONTENT_TYPE: wire.ARROW_STREAM, wire.HEADER_COUNT: "500"}
    _, dead = run(energy, [record(0, b"ARROW?not really", headers=headers)])
    assert (dead[0].reason, dead[0].readings) == (Reason.INVALID_FRAME, 500)


def test_frame_row_with_nan_dead_letters_only_that_reading(energy: Contract) -> None:
    rows = frame_rows(3)
    rows[1]["active_power"] = float("inf")
    headers = {wire.HEADER_CONTENT_TYPE: wire.ARROW_STREAM}
    table, dead = run(energy, [record(0, frame(energy, rows), headers=headers)])
    assert table["kafka_index"].to_pylist() == [0, 2]
    assert (dead[0].reason, dead[0].index, dead[0].readings) == (Reason.NON_FINITE, 1, 1)


def test_dead_letter_table_keeps_bytes_and_headers(energy: Contract) -> None:
    _, dead = run(energy, [record(7, b"{oops")])
    table = to_table(dead)
    row = table.to_pylist()[0]
    assert row["value"] == b"{oops"
    assert row["offset"] == 7 and row["topic"] == TOPIC
    assert {h["key"] for h in row["headers"]} >= {wire.HEADER_CONTRACT, wire.HEADER_VERSION}
    assert row["reason_code"] == "invalid_json"


def test_unknown_fields_are_named(energy: Contract) -> None:
    _, dead = run(energy, [record(0, reading(0, firmware="2.1", colour="red"))])
    assert [(d.reason, d.detail) for d in dead] == [
        (Reason.UNKNOWN_FIELD, "fields not in the contract: colour, firmware")
    ]


def test_a_contract_may_drop_unknown_fields_and_count_them(energy: Contract) -> None:
    dropping = variant(energy, unknown_fields="drop")
    records = [
        record(0, reading(0, firmware="2.1")),
        record(1, reading(1, firmware=[1, "x"], rssi=-70)),  # types pyarrow could not infer
        record(2, reading(2)),
        record(3, reading(3, firmware="2.1", seq="seven")),  # still a type mismatch
    ]
    out = check_run(dropping, records)
    assert out.table(to_arrow_schema(energy))["kafka_offset"].to_pylist() == [0, 1, 2]
    assert [(d.record.offset, d.reason) for d in out.dead] == [(3, Reason.TYPE_MISMATCH)]
    assert out.dropped_fields == {"firmware": 2, "rssi": 1}
    assert out.metadata() == {"dropped-fields": '{"firmware":2,"rssi":1}'}


def test_plain_json_without_any_header_is_decoded_by_the_topics_contract(
    energy: Contract,
) -> None:
    out = check_run(energy, [plain(i, json.dumps(reading(i)).encode()) for i in range(3)])
    assert (out.table(to_arrow_schema(energy)).num_rows, out.dead) == (3, [])


ODD_JSON = [
    (b'{"seq": 1, "seq": 2}', Reason.INVALID_JSON, "twice"),
    (b'{"producer_id": "\\ud800"}', Reason.INVALID_JSON, "surrogate"),
    (b'{"producer_id": "a\x00b"}', Reason.INVALID_JSON, "control character"),
    (b'{"producer_id": "\xff"}', Reason.INVALID_JSON, "not UTF-8"),
    (b'{"seq": 1180591620717411303424}', Reason.TYPE_MISMATCH, "int64"),
    (b'{"active_power": 1e400}', Reason.TYPE_MISMATCH, "too big"),
    (b"[" * 50_000 + b"]" * 50_000, Reason.INVALID_JSON, "nested"),
    (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, Reason.INVALID_JSON, "nested"),
    (b"   ", Reason.INVALID_JSON, "not JSON"),
    (b"null", Reason.NOT_AN_OBJECT, "NoneType"),
    (b' {"seq": 1} null', Reason.INVALID_JSON, "extra data"),
]


@pytest.mark.parametrize(("payload", "reason", "words"), ODD_JSON)
def test_odd_json_is_dead_lettered_with_its_reason(
    energy: Contract, payload: bytes, reason: Reason, words: str
) -> None:
    out = check_run(energy, [record(0, reading(0)), record(1, payload), record(2, reading(2))])
    assert [(d.record.offset, d.reason) for d in out.dead] == [(1, reason)]
    assert words.lower() in out.dead[0].detail.lower()


@pytest.mark.parametrize("first", [b"null", b" \n\tnull", b"null {}"])
def test_a_top_level_null_never_reaches_pyarrow(energy: Contract, first: bytes) -> None:
    """pyarrow.json dereferences a null pointer on a block that starts with ``null``
    (apache/arrow#47409): the process would die, and the partition with it."""
    out = check_run(energy, [record(0, first), record(1, b"null"), record(2, reading(2))])
    assert [d.record.offset for d in out.dead] == [0, 1]


def test_a_byte_order_mark_is_dropped(energy: Contract) -> None:
    payload = b"\xef\xbb\xbf" + json.dumps(reading(1)).encode()
    out = check_run(energy, [record(0, reading(0)), record(1, payload)])
    assert (out.table(to_arrow_schema(energy)).num_rows, out.dead) == (2, [])


def test_an_exception_inside_the_decoder_dead_letters_only_its_record(energy: Contract) -> None:
    """A Kafka timestamp no Arrow column holds makes provenance raise: that record only."""
    records = [record(i, reading(i)) for i in range(8)]
    records[5] = records[5]._replace(timestamp=2**70)
    out = check_run(energy, records)
    assert [(d.record.offset, d.reason) for d in out.dead] == [(5, Reason.DECODER_ERROR)]
    assert "OverflowError" in out.dead[0].detail or "ArrowInvalid" in out.dead[0].detail
    assert out.table(to_arrow_schema(energy)).num_rows == 7


def test_headers_of_any_shape_are_a_verdict_not_an_exception(energy: Contract) -> None:
    odd = (
        (None, None),
        (wire.HEADER_CONTRACT, None),
        (wire.HEADER_VERSION, b"\xff\xfe"),
        (wire.HEADER_COUNT, b"-" + b"9" * 5000),
    )
    out = check_run(energy, [record(0, reading(0))._replace(headers=odd)])
    assert [d.reason for d in out.dead] == [Reason.UNKNOWN_VERSION]
    row = to_table(out.dead).to_pylist()[0]
    assert row["headers"][0] == {"key": None, "value": None}
