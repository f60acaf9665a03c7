"""Both payload kinds with their headers, and timestamps in the contract's JSON spelling."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pyarrow as pa
import pytest

from producers import Encoder, Reading, epoch_ms, format_ms, headers
from schemas import parse_contract, shipped_contracts_dir, timestamp_pattern, to_arrow_schema, wire

from .conftest import T0, reading


def test_json_reading_is_envelope_then_values(encoder) -> None:
    message = encoder.json(reading(), 7, epoch_ms(datetime(2025, 3, 1, 8, 0, 1, tzinfo=UTC)))
    doc = orjson.loads(message.value)
    assert list(doc)[:6] == ["producer_id", "seq", "site", "device_id", "event_time", "ingest_time"]
    assert doc["seq"] == 7
    assert doc["event_time"] == "2025-03-01T08:00:00.125Z"
    assert doc["ingest_time"] == "2025-03-01T08:00:01.000Z"
    assert doc["active_power"] == 12.5
    assert (message.key, message.topic, message.content_type) == (
        b"meter-1",
        "assay.energy_meter.v1",
        wire.JSON,
    )


def test_json_timestamps_match_the_contract_pattern(encoder) -> None:
    import re

    doc = orjson.loads(encoder.json(reading(), 0, 1_740_816_000_007).value)
    assert re.fullmatch(timestamp_pattern("ms"), doc["event_time"])
    assert doc["ingest_time"].endswith(".007Z")


def test_site_override(encoder) -> None:
    doc = orjson.loads(encoder.json(reading(site="plant-b"), 0, 0).value)
    assert doc["site"] == "plant-b"


def test_naive_event_time_is_utc() -> None:
    assert epoch_ms(datetime(1970, 1, 1, 0, 0, 1)) == 1000
    assert format_ms(1500) == "1970-01-01T00:00:01.500Z"


def test_headers_carry_contract_producer_seq_and_replay(encoder) -> None:
    message = encoder.json(reading(), 42, 0)
    sent = dict(headers(message, "gw-01", replay=True))
    assert sent == {
        "contract": b"energy_meter",
        "contract_version": b"1.0.0",
        "producer_id": b"gw-01",
        "seq": b"42",
        "count": b"1",
        "content_type": b"application/json",
        "replay": b"1",
    }


def test_frame_is_an_arrow_stream_in_the_contract_schema(encoder, contract) -> None:
    message = encoder.frame([reading(i) for i in range(5)], 100, 0)
    table = pa.ipc.open_stream(message.value).read_all()
    assert table.schema.equals(to_arrow_schema(contract))
    assert table["seq"].to_pylist() == [100, 101, 102, 103, 104]
    assert table["event_time"][0].as_py() == T0.replace(microsecond=125000)
    assert (message.seq, message.count, message.content_type) == (100, 5, wire.ARROW_STREAM)
    assert dict(headers(message, "gw-01", replay=False))["count"] == b"5"


def test_frame_refuses_readings_that_do_not_fit(encoder) -> None:
    bad = reading()
    bad.values["active_power"] = "not a number"
    with pytest.raises(ValueError):
        encoder.frame([bad], 0, 0)
    extra = reading()
    extra.values["unknown"] = 1
    with pytest.raises(ValueError):
        encoder.frame([extra], 0, 0)


def test_quality_goes_into_a_header(encoder) -> None:
    message = encoder.json(reading(quality="uncertain"), 0, 0)
    assert dict(headers(message, "gw-01", False))["quality"] == b"uncertain"


def test_temporal_contract_fields_use_the_json_spelling() -> None:
    text = (shipped_contracts_dir() / "energy_meter.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  frequency:\n",
        "  reset_at:\n    type: timestamp\n    nullable: true\n    classification: L1\n"
        "    description: {zh: 复位时间, en: Reset time}\n  frequency:\n",
    )
    contract = parse_contract(text, "energy_meter.yaml", "energy_meter")
    encoder = Encoder(contract, "gw-01", "plant-a")
    r = Reading("energy_meter", "m", T0, {"reset_at": datetime(2025, 1, 1, 0, 0, 0, 1000)})
    assert orjson.loads(encoder.json(r, 0, 0).value)["reset_at"] == "2025-01-01T00:00:00.001Z"
