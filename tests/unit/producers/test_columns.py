"""The columnar path: ReadingBatch -> gap-free seqs -> one spool entry -> an Arrow frame that
the downstream decoder reads back reading for reading."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest

from assay.pipeline.ingest.deadletter import Record
from assay.pipeline.ingest.decode import Expect, decode
from producers import (
    Edge,
    EdgeConfigError,
    Encoder,
    MemoryTransport,
    ReadingBatch,
    Slot,
    Writer,
    headers,
    load_config,
    parse_config,
)
from producers.encoding import Message
from producers.simulator import SimulatorConfig, SimulatorError
from producers.simulator._columns import ColumnarSimulation
from producers.spool import Spool
from schemas import Contract, to_arrow_schema, wire

from .conftest import reading

FRAMES = Slot("fast", payload="frame", frame_readings=10)
JSON = Slot("slow")


def batch(n: int, device: str = "meter-9", start: int = 0, **columns: object) -> ReadingBatch:
    """``n`` readings of one device as columns (the same values as ``conftest.reading``)."""
    rows = [reading(start + i, device) for i in range(n)]
    table = pa.Table.from_pylist([{"event_time": r.event_time, **r.values} for r in rows])
    for name, value in columns.items():
        table = table.append_column(name, pa.array([value] * n))
    return ReadingBatch("energy_meter", device, table)


def as_records(messages: list[Message], producer_id: str = "gw-01") -> list[Record]:
    """Spooled messages as the ingest's decoder receives them from Kafka."""
    return [
        Record(
            m.topic,
            0,
            offset,
            1_740_000_000_000,
            m.key,
            m.value,
            tuple(headers(m, producer_id, False)),
        )
        for offset, m in enumerate(messages)
    ]


def test_columns_encode_to_the_same_frame_as_readings(encoder: Encoder) -> None:
    rows = [reading(i, "meter-9") for i in range(7)]
    from_readings = encoder.frame(rows, 40, 1_740_000_000_000)
    from_columns = encoder.columns(batch(7), 40, 1_740_000_000_000)
    assert from_columns == from_readings
    assert (from_columns.seq, from_columns.count, from_columns.key) == (40, 7, b"meter-9")
    sent = dict(headers(from_columns, "gw-01", False))
    assert sent[wire.HEADER_COUNT] == b"7"
    assert sent[wire.HEADER_SEQ] == b"40"
    assert sent[wire.HEADER_CONTENT_TYPE] == wire.ARROW_STREAM.encode()


def test_a_batch_takes_the_next_seqs_in_queue_order(spool_at, encoder: Encoder) -> None:
    spool: Spool = spool_at()
    writer = Writer(spool, lambda _name: encoder)
    writer.spool_batch([(JSON, reading(0)), (FRAMES, batch(25)), (JSON, reading(1))])
    spooled = [s.message for s in spool.fetch(-1, 100)]
    assert [(m.seq, m.count) for m in spooled] == [(0, 1), (1, 10), (11, 10), (21, 5), (26, 1)]
    assert spool.next_seq == 27 and spool.readings == 27
    frames = [m for m in spooled if m.content_type == wire.ARROW_STREAM]
    for m in frames:  # each frame's seq column continues its header seq
        seqs = pa.ipc.open_stream(m.value).read_all()["seq"].to_pylist()
        assert seqs == list(range(m.seq, m.seq + m.count))


def test_spooled_frames_survive_a_reopen_byte_for_byte(spool_at, encoder: Encoder) -> None:
    spool: Spool = spool_at()
    Writer(spool, lambda _name: encoder).spool_batch([(FRAMES, batch(12))])
    before = [s.message for s in spool.fetch(-1, 10)]
    spool.close()
    again = spool_at()
    assert [s.message for s in again.fetch(-1, 10)] == before
    assert again.next_seq == 12


def test_decode_reads_every_reading_with_its_seq(
    spool_at, encoder: Encoder, contract: Contract
) -> None:
    spool: Spool = spool_at()
    given = batch(23, start=100)
    Writer(spool, lambda _name: encoder).spool_batch([(JSON, reading(0)), (FRAMES, given)])
    frames = [s.message for s in spool.fetch(-1, 10) if s.message.count > 1]
    decoded = decode(
        as_records(frames), Expect(contract.name, contract.major, to_arrow_schema(contract))
    )
    table = decoded.table(to_arrow_schema(contract))
    assert decoded.dead == []
    assert table["seq"].to_pylist() == list(range(1, 24))
    assert set(table["device_id"].to_pylist()) == {"meter-9"}
    assert set(table["producer_id"].to_pylist()) == {"gw-01"}
    assert table["kafka_index"].to_pylist() == [*range(10), *range(10), *range(3)]
    values = table.select(given.columns.schema.names).to_pylist()
    assert values == given.columns.to_pylist()


def test_columns_the_contract_lacks_go_as_json_readings(spool_at, encoder: Encoder) -> None:
    spool: Spool = spool_at()
    Writer(spool, lambda _name: encoder).spool_batch([(FRAMES, batch(3, colour="red"))])
    spooled = [s.message for s in spool.fetch(-1, 10)]
    assert [(m.seq, m.count, m.content_type) for m in spooled] == [
        (0, 1, wire.JSON),
        (1, 1, wire.JSON),
        (2, 1, wire.JSON),
    ]
    assert all(b'"colour":"red"' in m.value for m in spooled)


def test_a_batch_needs_event_times() -> None:
    with pytest.raises(ValueError, match="event_time"):
        ReadingBatch("energy_meter", "m-1", pa.table({"active_power": [1.0]}))


def test_batched_readings_hold_back_the_source(spool_at, encoder: Encoder) -> None:
    writer = Writer(spool_at(), lambda _name: encoder, queue_size=30)
    stop = threading.Event()
    assert writer.put(FRAMES, batch(20), stop)
    done: list[bool] = []
    worker = threading.Thread(target=lambda: done.append(writer.put(FRAMES, batch(20), stop)))
    worker.start()
    worker.join(0.5)
    assert worker.is_alive()  # 40 readings would pass the bound of 30
    stop.set()
    worker.join(2)
    assert done == [False]


CONFIG = """
producer_id: gw-01
status_interval_s: 0  # these tests count readings; status reports have their own
site: plant-a
spool: {{path: spool.db, commit_interval_ms: 20}}
metrics: {{port: null}}
sources:
  - {{name: sim, kind: simulator, contract: energy_meter, devices: 3, rate: 10, count: 250,
     payload: frame, frame_readings: 100, columnar: true, truth: truth.json{extra}}}
"""


def test_the_edge_sends_columnar_simulator_batches_gap_free(tmp_path: Path) -> None:
    transport = MemoryTransport()
    edge = Edge(
        parse_config(CONFIG.format(extra=""), tmp_path / "e.yaml"), connect=lambda: transport
    )
    edge.start()
    deadline = time.monotonic() + 30
    while edge.stats.acked_readings < 750 and time.monotonic() < deadline:
        time.sleep(0.02)
    edge.stop()
    seqs = []
    for sent in transport.sent:
        table = pa.ipc.open_stream(sent.value).read_all()
        assert int(sent.headers["count"]) == table.num_rows <= 100
        assert table["seq"][0].as_py() == int(sent.headers["seq"])
        assert set(table["device_id"].to_pylist()) == {sent.key.decode()}  # type: ignore[union-attr]
        seqs += table["seq"].to_pylist()
    assert sorted(seqs) == list(range(750))
    truth = (tmp_path / "truth.json").read_text()
    assert '"readings": 750' in truth and '"curated": 750' in truth


def test_the_load_test_example_is_a_valid_columnar_config() -> None:
    example = Path(__file__).parents[3] / "infra" / "edge" / "loadtest.example.yaml"
    source = load_config(example).sources[0]
    assert (source.kind, source.payload, source.columnar) == ("simulator", "frame", True)  # type: ignore[attr-defined]


def test_columnar_config_is_accepted(tmp_path: Path) -> None:
    config = parse_config(CONFIG.format(extra=""), tmp_path / "e.yaml")
    assert config.sources[0].columnar  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("old", "new"),
    [("payload: frame", "payload: json"), ("columnar: true", "columnar: true, faults: {stuck: 1}")],
)
def test_columnar_config_needs_frames_and_no_faults(tmp_path: Path, old: str, new: str) -> None:
    text = CONFIG.format(extra="").replace(old, new)
    with pytest.raises(EdgeConfigError) as caught:
        parse_config(text, tmp_path / "e.yaml")
    assert caught.value.key == "sources[0]"


def test_columnar_simulation_is_deterministic_and_plausible() -> None:
    config = SimulatorConfig(contract="energy_meter", devices=4, rate=1, count=300, seed=3)
    first = [b.columns for b in ColumnarSimulation(config).batches(128)]
    again = [b.columns for b in ColumnarSimulation(config).batches(128)]
    assert first == again
    assert sum(t.num_rows for t in first) == 1200
    energy = pa.concat_tables(first[::4])["active_energy"].to_pylist()  # device 1's blocks
    assert energy == sorted(energy)  # the register only rises
    power = pa.concat_tables(first)["active_power"].to_pylist()
    assert min(power) > 0 and max(power) < 5000


def test_columnar_simulation_refuses_faults_and_other_contracts() -> None:
    with pytest.raises(SimulatorError, match="faults"):
        ColumnarSimulation(SimulatorConfig(contract="energy_meter", count=10, faults={"stuck": 1}))
    with pytest.raises(SimulatorError, match="energy_meter"):
        ColumnarSimulation(SimulatorConfig(contract="process_params", count=10))
