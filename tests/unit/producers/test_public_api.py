"""The package's public surface and the kafka-python error mapping."""

from __future__ import annotations

import producers
from producers import SinkError, SinkUnavailable
from producers.sink import _TERMINAL, translate_kafka_error


def test_all_is_sorted_and_importable() -> None:
    assert producers.__all__ == sorted(producers.__all__)
    for name in producers.__all__:
        assert hasattr(producers, name), name


def test_the_edge_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, producers, producers.cli, producers.edge;"
        "bad=[m for m in sys.modules if m.split('.')[0] in "
        "('airflow','great_expectations','minio','assay','kafka')]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_terminal_name_is_a_kafka_error() -> None:
    import kafka.errors

    for name in _TERMINAL:
        assert hasattr(kafka.errors, name), name


def test_kafka_errors_map_to_transient_or_terminal() -> None:
    import kafka.errors as k

    assert isinstance(translate_kafka_error("t", k.KafkaTimeoutError()), SinkUnavailable)
    assert isinstance(translate_kafka_error("t", k.KafkaConnectionError()), SinkUnavailable)
    terminal = translate_kafka_error("t", k.MessageSizeTooLargeError())
    assert type(terminal) is SinkError and not terminal.transient


def test_kafka_python_accepts_every_producer_setting() -> None:
    from producers import KafkaSettings, KafkaTransport

    # With api_version given, KafkaProducer validates its settings without a broker.
    transport = KafkaTransport(KafkaSettings(bootstrap="127.0.0.1:1", api_version=(3, 9)))
    transport.close(0)
