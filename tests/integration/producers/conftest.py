"""Helpers for the edge's integration tests: a real broker, a consumer, edge runs, free ports.

A broker is named by its bootstrap string; ``secure`` remembers how its clients connect: the
readers as the stack's admin, the edges as ``edge-demo`` (may write contract topics only).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from assay.config import Settings
from assay.devstack.stack.kafka_auth import EDGE_DEMO, principal_security
from producers import Edge, KafkaSecurity, ensure_topics, parse_config
from schemas import load_contract, topic_name
from schemas.kafka_security import kafka_python_security

#: bootstrap -> (the readers' security, the edges' security)
_SECURITY: dict[str, tuple[KafkaSecurity, KafkaSecurity]] = {}

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_modbus(words: list[int]) -> Iterator[int]:
    """A pymodbus TCP server holding ``words`` from holding register 0 (unit 1); its port."""
    from pymodbus.datastore import (
        ModbusDeviceContext,
        ModbusSequentialDataBlock,
        ModbusServerContext,
    )
    from pymodbus.server import ModbusTcpServer

    context = ModbusServerContext(
        devices=ModbusDeviceContext(hr=ModbusSequentialDataBlock(1, words)), single=True
    )
    port = free_port()
    loop = asyncio.new_event_loop()
    servers: list[ModbusTcpServer] = []

    async def serve() -> None:
        servers.append(ModbusTcpServer(context, address=("127.0.0.1", port)))
        await servers[0].serve_forever()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert wait_for(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 10)
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(servers[0].shutdown(), loop).result(10)
        thread.join(5)


@dataclass(frozen=True)
class Got:
    """One reading as it arrived in Kafka."""

    seq: int
    replay: bool
    content_type: str
    doc: dict[str, object]


def secure(settings: Settings) -> str:
    """Remember how clients reach the broker of ``settings``; its bootstrap string."""
    _SECURITY[settings.bootstrap] = (
        settings.kafka_security(),
        principal_security(settings, EDGE_DEMO),
    )
    return settings.bootstrap


def reading_security(bootstrap: str) -> KafkaSecurity:
    """The admin's security block for ``bootstrap``: reads any topic, outside any group."""
    return _SECURITY[bootstrap][0]


def edge_security(bootstrap: str) -> KafkaSecurity:
    """The demo edge's security block for ``bootstrap``: writes contract topics."""
    return _SECURITY[bootstrap][1]


def edge_security_yaml(bootstrap: str) -> str:
    """``security: {...}`` for an edge YAML's kafka section (password from its file)."""
    block = edge_security(bootstrap).model_dump(mode="json", exclude={"password"})
    return f"security: {json.dumps({k: v for k, v in block.items() if v is not None})}"


def reader(bootstrap: str, topic: str) -> Any:
    """A kafka-python consumer of ``topic`` from its start, outside any group; its iteration
    ends after a second without records."""
    from kafka import KafkaConsumer

    return KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=1000,
        **kafka_python_security(reading_security(bootstrap)),
    )


def consume(
    bootstrap: str, topic: str, producer_id: str, want: int, timeout: float = 60.0
) -> list[Got]:
    """Every reading of ``producer_id`` on ``topic`` until ``want`` distinct seqs or the timeout."""
    import orjson

    consumer = reader(bootstrap, topic)
    got: list[Got] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len({g.seq for g in got}) < want:
            for record in consumer:
                headers = {k: v.decode() for k, v in record.headers}
                if headers.get("producer_id") != producer_id:
                    continue
                replay, kind = headers["replay"] == "1", headers["content_type"]
                if kind == "application/json":
                    doc = orjson.loads(record.value)
                    got.append(Got(int(doc["seq"]), replay, kind, doc))
                else:
                    for row in pa.ipc.open_stream(record.value).read_all().to_pylist():
                        got.append(Got(int(row["seq"]), replay, kind, row))
    finally:
        consumer.close()
    return got


def assert_gap_free(got: list[Got], n: int) -> None:
    """Every seq 0..n-1 arrived; any seq seen twice came back with the replay flag."""
    seqs = sorted(g.seq for g in got)
    assert sorted(set(seqs)) == list(range(n)), f"missing {sorted(set(range(n)) - set(seqs))[:20]}"
    first: set[int] = set()
    for g in got:
        if g.seq in first:
            assert g.replay, f"seq {g.seq} arrived twice without the replay flag"
        first.add(g.seq)


@pytest.fixture
def producer_id() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def bootstrap(stack_settings: Settings) -> str:
    """The shared broker, with every shipped contract's topic in place."""
    from schemas import load_contracts

    bootstrap = secure(stack_settings)
    ensure_topics(bootstrap, load_contracts(), security=reading_security(bootstrap))
    return bootstrap


EdgeFactory = Callable[..., Edge]


@pytest.fixture
def edge_for(tmp_path: Path, producer_id: str) -> Iterator[EdgeFactory]:
    """Build (and at the end stop) an edge from a YAML fragment describing one source; ``spool``
    and ``kafka`` add settings to those sections (``", client: librdkafka"``)."""
    started: list[Edge] = []

    def make(source_yaml: str, bootstrap: str, spool: str = "", kafka: str = "") -> Edge:
        text = (
            f"producer_id: {producer_id}\nsite: plant-a\nmetrics: {{port: null}}\n"
            f"spool: {{path: spool.db, commit_interval_ms: 20{spool}}}\n"
            f"kafka: {{bootstrap: '{bootstrap}', linger_ms: 5{kafka}, "
            f"{edge_security_yaml(bootstrap)}}}\n"
            f"sources:\n{source_yaml}"
        )
        edge = Edge(parse_config(text, tmp_path / "edge.yaml"))
        started.append(edge)
        return edge

    yield make
    for edge in started:
        if edge.spool is not None and not edge._stop_sources.is_set():
            edge.stop()


def topic_of(contract: str) -> str:
    return topic_name(load_contract(contract))


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def run_until_acked(config: Path, text: str, readings: int) -> Edge:
    """A real gateway on ``text`` (written to ``config``) until Kafka acknowledged
    ``readings``, then stopped as on a clean shutdown; its stats stay readable."""
    config.write_text(text)
    edge = Edge(parse_config(text, config))
    edge.start()
    try:
        assert wait_for(lambda: edge.stats.acked_readings == readings, 60)
    finally:
        edge.stop()
    return edge
