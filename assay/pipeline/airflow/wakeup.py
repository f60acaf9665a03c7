"""What the Kafka watcher of a topic asset does with a message: say that data arrived.

The triggerer imports this by name (``assay.pipeline.airflow.wakeup.on_message``), so it
stays light.
Correctness never depends on it: the ingest run reads from the committed offsets, and a
fallback interval schedule catches whatever a wake-up missed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemas.kafka_security import KafkaSecurity

#: How often a watcher reads the topic's metadata, so an added partition is watched too.
METADATA_REFRESH_MS = 30_000


def on_message(message: Any) -> dict[str, Any]:
    """The asset event's payload: where the waking message sits (never its content)."""
    return {"topic": message.topic(), "partition": message.partition(), "offset": message.offset()}


def connection_id(contract: str) -> str:
    """The Airflow connection a contract's watcher reads Kafka through."""
    return f"assay_kafka_{contract}"


def watcher_group(contract: str) -> str:
    """The consumer group of a contract's watcher (``""``: the prefix of every watcher's)."""
    return f"assay-wakeup.{contract}"


def connection(bootstrap: str, contract: str, security: KafkaSecurity) -> dict[str, Any]:
    """That connection: its own group, never committing, always starting at the end; its
    ``extra`` is librdkafka's configuration, so ``security`` goes in as librdkafka's properties.

    Without commits every restart of the trigger resumes at the log end, so the watcher
    wakes the DAG for new data instead of walking the backlog one message at a time.

    A trigger that has fired is not polled again, but its consumer can stay in the group;
    librdkafka heartbeats for it from its own thread, so only ``max.poll.interval.ms`` ends
    its membership, and until then the restarted watcher gets no partition. At librdkafka's
    default of 5 minutes that made the watcher deaf for 5 minutes after each wake-up; a
    running watcher polls many times a second, so 30 s is ample.

    A partition added to the topic reaches the watcher with the next metadata refresh (a
    rebalance assigns it); librdkafka's default of 5 minutes left it unwatched that long, so
    it refreshes every ``METADATA_REFRESH_MS`` (one small request).
    """
    from schemas.kafka_security import librdkafka_security

    extra = {
        "bootstrap.servers": bootstrap,
        **librdkafka_security(security),
        "group.id": watcher_group(contract),
        "auto.offset.reset": "latest",
        "enable.auto.commit": False,
        "session.timeout.ms": 6_000,  # the broker's minimum: a closed watcher leaves fast
        "heartbeat.interval.ms": 2_000,
        "max.poll.interval.ms": 30_000,
        "topic.metadata.refresh.interval.ms": METADATA_REFRESH_MS,
    }
    return {"conn_type": "kafka", "extra": extra}


def connections(
    bootstrap: str, contracts: Iterable[str], security: KafkaSecurity
) -> dict[str, dict[str, Any]]:
    """Every contract's watcher connection by connection id: what the local stack, the
    deployments under infra/ and `assay access kafka-watchers` all hand Airflow."""
    return {connection_id(name): connection(bootstrap, name, security) for name in contracts}


def connection_variables(
    bootstrap: str, contracts: Iterable[str], security: KafkaSecurity
) -> dict[str, str]:
    """The same connections as Airflow's ``AIRFLOW_CONN_<ID>`` environment variables."""
    found = connections(bootstrap, contracts, security)
    return {f"AIRFLOW_CONN_{cid.upper()}": json.dumps(conn) for cid, conn in found.items()}
