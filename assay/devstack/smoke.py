"""The smoke check: a few readings through the edge's encoder, Kafka and the ingest's landing.

Each step is the pipeline's own code: the edge's ``Encoder`` and ``KafkaTransport``
(acks=all, idempotent), then the ingest's ``KafkaPartition`` and ``land_partition`` (a raw
object named after its records, offsets committed once it exists). It runs on a contract of
its own, ``smoke`` (energy_meter's fields on one partition), so nothing it sends reaches a
real dataset, its DAGs or its audit. It talks to S3 as the pipeline role (the
buckets are the stack's: `assay stack up` makes them).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assay.config import PIPELINE, Settings
from assay.devstack.stack.kafka_auth import EDGE_DEMO, principal_security
from assay.devstack.topics import ensure_topics
from assay.errors import AssayError, KafkaUnavailable
from assay.pipeline.ingest.consumer import KafkaPartition
from assay.pipeline.ingest.landing import land_partition
from assay.store.buckets import Buckets
from assay.store.objects import S3Store
from schemas import Contract, load_contract, topic_name

GROUP = "assay-smoke"
PRODUCER = "assay-smoke"


def smoke_contract() -> Contract:
    """energy_meter's fields under the name ``smoke``, on one partition."""
    return load_contract("energy_meter").model_copy(update={"name": "smoke", "partitions": 1})


TOPIC = topic_name(smoke_contract())


@dataclass(frozen=True)
class SmokeResult:
    """Where the smoke readings landed."""

    produced: int
    landed: int
    uri: str
    first_offset: int
    last_offset: int


def readings(count: int, start: datetime) -> list[object]:
    """``count`` energy-meter readings from three meters, one per second from ``start``."""
    from producers import Reading

    return [
        Reading(
            contract="smoke",
            device_id=f"meter-{i % 3:02d}",
            event_time=start + timedelta(seconds=i),
            values={"active_power": 40.0 + (i % 7) * 1.5, "active_energy": 1000.0 + i},
            site="smoke-site",
        )
        for i in range(count)
    ]


def produce(settings: Settings, contract: Contract, count: int) -> None:
    """Encode ``count`` readings as the edge does and send them, waiting for every ack."""
    from producers import Encoder, KafkaSettings, KafkaTransport, SinkError, headers

    encoder = Encoder(contract, PRODUCER, "smoke-site")
    now = datetime.now(UTC).replace(microsecond=0)
    failures: list[SinkError] = []
    acked = threading.Semaphore(0)

    def done(error: SinkError | None) -> None:
        if error is not None:
            failures.append(error)
        acked.release()

    security = principal_security(settings, EDGE_DEMO)  # as the demo's gateway
    transport = KafkaTransport(KafkaSettings(bootstrap=settings.bootstrap, security=security))
    try:
        for seq, reading in enumerate(readings(count, now)):
            message = encoder.json(reading, seq, int(now.timestamp() * 1000))  # type: ignore[arg-type]
            transport.send(
                message.topic, message.key, message.value, headers(message, PRODUCER, False), done
            )
        transport.flush(30)
    finally:
        transport.close(10)
    if failures or not all(acked.acquire(timeout=0) for _ in range(count)):
        problem = str(failures[0]) if failures else "not every reading was acknowledged in 30 s"
        raise KafkaUnavailable(TOPIC, problem)


def land(settings: Settings, contract: Contract) -> SmokeResult | None:
    """Land the smoke topic's partition with the ingest's own lander."""
    buckets = Buckets.from_settings(settings)
    with KafkaPartition(settings, TOPIC, 0, GROUP) as log:
        landed = land_partition(log, S3Store(settings), buckets, contract)
    if not landed:
        return None
    readings_ = sum(x.readings for x in landed)
    uri = f"s3://{buckets.raw}/{landed[-1].raw_key}"
    return SmokeResult(readings_, readings_, uri, landed[0].segment.start, landed[-1].end - 1)


def run(settings: Settings, count: int = 100) -> SmokeResult:
    """Produce ``count`` readings and land them; the result says where."""
    settings, contract = settings.as_role(PIPELINE), smoke_contract()
    ensure_topics(settings, [contract])
    produce(settings, contract, count)
    result = land(settings, contract)
    if result is None:
        raise SmokeFailed(f"produced {count} readings to {TOPIC} but landed none")
    return result


class SmokeFailed(AssayError):
    """The smoke readings were acknowledged by Kafka but could not be landed."""
