"""The librdkafka transport without a broker: error translation, settings, choice and shutdown.

The client is real (confluent-kafka); its broker address is a closed port, so nothing is ever
acknowledged and every message stays queued until the transport is closed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from confluent_kafka import KafkaError, KafkaException

from producers import (
    EdgeConfigError,
    KafkaSettings,
    KafkaTransport,
    LibrdkafkaTransport,
    SinkError,
    SinkUnavailable,
    parse_config,
)
from producers import sink as kafka_python
from producers.librdkafka import _TERMINAL, librdkafka_config, translate_librdkafka_error
from producers.sink import open_transport

NOWHERE = "127.0.0.1:1"  # nothing listens there
CONFIG = """
producer_id: gw-01
site: plant-a
spool: {path: spool.db}
metrics: {port: null}
kafka: {bootstrap: '127.0.0.1:1', client: librdkafka}
sources:
  - {name: mes, kind: csv, contract: energy_meter, folder: in, device_column: meter}
"""


def codes() -> dict[str, int]:
    """Every error code confluent-kafka names."""
    return {n: getattr(KafkaError, n) for n in dir(KafkaError) if n.lstrip("_").isupper()}


def test_every_terminal_name_is_a_librdkafka_error() -> None:
    assert set(_TERMINAL) <= set(codes())


def test_both_clients_park_the_same_broker_errors() -> None:
    counterparts = {name for name in _TERMINAL.values() if name is not None}
    assert counterparts == set(kafka_python._TERMINAL)


def test_every_code_is_terminal_or_transient_and_only_the_listed_ones_terminal() -> None:
    for name, code in codes().items():
        error = translate_librdkafka_error("t", KafkaError(code))
        assert error.topic == "t"
        assert error.transient is (name not in _TERMINAL), name
        assert isinstance(error, SinkUnavailable) is error.transient


@pytest.mark.parametrize(
    "name",
    [
        "_MSG_TIMED_OUT",
        "_TIMED_OUT",
        "_TRANSPORT",
        "_ALL_BROKERS_DOWN",
        "_QUEUE_FULL",
        "_FATAL",  # the idempotent session broke: a fresh producer, not a parked message
        "REQUEST_TIMED_OUT",
        "NOT_ENOUGH_REPLICAS",
        "LEADER_NOT_AVAILABLE",
        "UNKNOWN_TOPIC_OR_PART",
    ],
)
def test_outages_are_transient(name: str) -> None:
    wrapped = KafkaException(KafkaError(getattr(KafkaError, name)))
    error = translate_librdkafka_error("t", wrapped)
    assert isinstance(error, SinkUnavailable)
    assert error.problem.startswith(name)


def test_exceptions_other_than_kafkas() -> None:
    assert isinstance(translate_librdkafka_error("t", BufferError("full")), SinkUnavailable)
    assert isinstance(translate_librdkafka_error("t", RuntimeError("closed")), SinkUnavailable)
    wrong = translate_librdkafka_error("t", TypeError("headers"))
    assert type(wrong) is SinkError and not wrong.transient


def test_every_setting_maps_to_librdkafka() -> None:
    settings = KafkaSettings(
        bootstrap="a:1,b:2",
        compression="zstd",
        linger_ms=7,
        batch_size=4096,
        max_request_size=2048,
        request_timeout_ms=3000,
        delivery_timeout_ms=9000,
        max_block_ms=100,
        reconnect_backoff_max_ms=60,
        client_id="gw",
        client="librdkafka",
    )
    config = librdkafka_config(settings)
    assert {k: config[k] for k in config if k not in ("queue.buffering.max.kbytes",)} == {
        "bootstrap.servers": "a:1,b:2",
        "acks": "all",
        "enable.idempotence": True,
        "compression.type": "zstd",
        "linger.ms": 7,
        "batch.size": 4096,
        "message.max.bytes": 2048,
        "request.timeout.ms": 3000,
        "message.timeout.ms": 9000,
        "reconnect.backoff.ms": 60,  # never above the maximum
        "reconnect.backoff.max.ms": 60,
        "client.id": "gw",
        "partitioner": "murmur2_random",
        "log.connection.close": False,
        "security.protocol": "PLAINTEXT",  # the security block's: test_security.py
    }


def test_librdkafka_accepts_every_setting() -> None:
    for settings in (KafkaSettings(bootstrap=NOWHERE), KafkaSettings(bootstrap=NOWHERE, **SMALL)):
        LibrdkafkaTransport(settings).close(0)


SMALL: dict[str, object] = {
    "compression": "zstd",
    "batch_size": 1024,
    "max_request_size": 1024,
    "request_timeout_ms": 1000,
    "delivery_timeout_ms": 1000,
    "reconnect_backoff_max_ms": 50,
}


def test_without_confluent_kafka_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "confluent_kafka", None)  # as if not installed
    with pytest.raises(EdgeConfigError) as info:
        LibrdkafkaTransport(KafkaSettings(bootstrap=NOWHERE, client="librdkafka"))
    assert info.value.key == "kafka.client"
    assert "pip install" in info.value.fix and "confluent-kafka" in info.value.fix
    with pytest.raises(EdgeConfigError) as parsed:  # check-config says so before a run
        parse_config(CONFIG, tmp_path / "edge.yaml")
    assert (parsed.value.file, parsed.value.key) == (str(tmp_path / "edge.yaml"), "kafka.client")


def test_the_yaml_picks_the_client(tmp_path: Path) -> None:
    config = parse_config(CONFIG, tmp_path / "edge.yaml")
    settings = config.kafka.settings(client_id="gw")
    assert settings.client == "librdkafka"
    transport = open_transport(settings)
    assert isinstance(transport, LibrdkafkaTransport)
    transport.close(0)
    default = parse_config(CONFIG.replace(", client: librdkafka", ""), tmp_path / "edge.yaml")
    assert default.kafka.client == "kafka-python"
    python = KafkaSettings(bootstrap=NOWHERE, api_version=(3, 9))  # no broker asked
    kafka_python_transport = open_transport(python)
    assert isinstance(kafka_python_transport, KafkaTransport)
    kafka_python_transport.close(0)


def test_an_unknown_client_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(EdgeConfigError) as info:
        parse_config(CONFIG.replace("client: librdkafka", "client: java"), tmp_path / "e.yaml")
    assert info.value.key == "kafka.client"


def test_a_message_too_large_is_reported_terminal_not_raised() -> None:
    transport = LibrdkafkaTransport(KafkaSettings(bootstrap=NOWHERE, max_request_size=2048))
    reports: list[SinkError | None] = []
    transport.send("t", b"k", b"x" * 4096, [("seq", b"1")], reports.append)
    transport.close(0)
    assert len(reports) == 1
    error = reports[0]
    assert type(error) is SinkError and not error.transient
    assert error.problem.startswith("MSG_SIZE_TOO_LARGE")


def test_close_with_kafka_away_returns_and_reports_nothing() -> None:
    transport = LibrdkafkaTransport(KafkaSettings(bootstrap=NOWHERE))
    reports: list[SinkError | None] = []
    for i in range(3):
        transport.send("t", b"k", b"v%d" % i, [("seq", b"%d" % i)], reports.append)
    transport.flush(0.2)
    transport.close(0.2)  # nothing acknowledged: purged, and still in the spool
    transport.close(0.2)  # twice is harmless
    assert reports == []


def test_a_full_queue_blocks_for_max_block_ms_then_is_an_outage() -> None:
    transport = LibrdkafkaTransport(KafkaSettings(bootstrap=NOWHERE, max_block_ms=100))
    megabyte = b"x" * 1024 * 1024
    reports: list[SinkError | None] = []
    with pytest.raises(SinkUnavailable) as info:
        for _ in range(64):  # twice the client's 32 MB queue
            transport.send("t", b"k", megabyte, [], reports.append)
    transport.close(0)
    assert "queue" in info.value.problem
    assert reports == []
