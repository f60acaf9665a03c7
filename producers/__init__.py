"""The edge producer: sources -> durable spool -> Kafka, per data contract.

Readings (``Reading``; or ``ReadingBatch``, one device's readings as Arrow columns) come from
sources (``Source``: CSV/MES tail, MQTT, OPC UA, Modbus TCP, the simulator); the writer stamps
the envelope, gives each a gap-free ``seq`` and encodes it (``Encoder``: JSON per reading or
Arrow frames) into the ``Spool`` (SQLite, durable before
send); the ``Sender`` moves spooled messages to Kafka (``KafkaTransport``, kafka-python, or
``LibrdkafkaTransport``, confluent-kafka) and removes them on acknowledgement.
``Edge`` wires it all from an ``EdgeConfig`` (``load_config``). Imports only ``schemas``.
"""

from producers._reading import Reading, ReadingBatch, Source
from producers._transport import Transport
from producers.config import EdgeConfig, load_config, parse_config
from producers.edge import Edge
from producers.encoding import Encoder, Message, epoch_ms, format_ms, headers
from producers.errors import (
    BadInput,
    EdgeConfigError,
    EdgeError,
    EdgeStopped,
    SinkError,
    SinkUnavailable,
    SourceError,
    SourceTimeout,
    SourceTypeError,
    SpoolClosed,
    SpoolError,
    Unencodable,
)
from producers.librdkafka import LibrdkafkaTransport
from producers.sender import Sender
from producers.sink import KafkaSettings, KafkaTransport, MemoryTransport
from producers.sources import SourceContext, SourceOptions
from producers.spool import Spool, SpoolLimits, SpoolStats, read_stats
from producers.topics import TopicState, ensure_topics
from producers.writer import Slot, Writer
from schemas.kafka_security import KafkaSecurity

__all__ = [
    "BadInput",
    "Edge",
    "EdgeConfig",
    "EdgeConfigError",
    "EdgeError",
    "EdgeStopped",
    "Encoder",
    "KafkaSecurity",
    "KafkaSettings",
    "KafkaTransport",
    "LibrdkafkaTransport",
    "MemoryTransport",
    "Message",
    "Reading",
    "ReadingBatch",
    "Sender",
    "SinkError",
    "SinkUnavailable",
    "Slot",
    "Source",
    "SourceContext",
    "SourceError",
    "SourceOptions",
    "SourceTimeout",
    "SourceTypeError",
    "Spool",
    "SpoolClosed",
    "SpoolError",
    "SpoolLimits",
    "SpoolStats",
    "TopicState",
    "Transport",
    "Unencodable",
    "Writer",
    "ensure_topics",
    "epoch_ms",
    "format_ms",
    "headers",
    "load_config",
    "parse_config",
    "read_stats",
]
