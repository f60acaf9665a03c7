"""What the Airflow tasks call: one function per task, JSON in and out, settings from the env.

Each function is a whole, idempotent transaction on its own inputs (a partition, a
contract), so Airflow may retry it at will; transient errors (`AssayError.transient`)
are left to Airflow's retries, terminal ones fail the task with their message.
"""

from __future__ import annotations

from typing import Any

from assay import curation, landing
from assay.config import Settings, load_settings
from assay.kafka_log import KafkaPartition, ingest_group, partitions_of
from assay.store import S3Store
from schemas import Contract, ContractRegistry, topic_name


def _contract(name: str) -> Contract:
    return ContractRegistry.shipped().get(name)


def _landing_buckets(settings: Settings) -> landing.Buckets:
    return landing.Buckets(raw=settings.bucket_raw, deadletter=settings.bucket_deadletter)


def _curation_buckets(settings: Settings) -> curation.Buckets:
    return curation.Buckets(
        raw=settings.bucket_raw,
        curated=settings.bucket_curated,
        quarantine=settings.bucket_quarantine,
        reports=settings.bucket_reports,
    )


def partitions(contract: str) -> list[int]:
    """The Kafka partitions of a contract's topic (one mapped ingest task each)."""
    return partitions_of(load_settings(), topic_name(_contract(contract)))


def ingest(contract: str, partition: int, max_records: int = landing.MAX_RECORDS) -> dict[str, Any]:
    """Land one partition until it is caught up; returns what was landed."""
    settings, spec = load_settings(), _contract(contract)
    topic = topic_name(spec)
    with KafkaPartition(settings, topic, partition, ingest_group(contract)) as log:
        landed = landing.land_partition(
            log, S3Store(settings), _landing_buckets(settings), spec, max_records=max_records
        )
    from assay.lineage import emit_ingest  # on use: the OpenLineage client takes ~1.5 s to import

    emit_ingest(settings, spec, landed)
    return {
        "contract": contract,
        "partition": partition,
        "segments": [x.as_dict() for x in landed],
        "readings": sum(x.readings for x in landed),
        "dead_readings": sum(x.dead_readings for x in landed),
    }


def pending_partitions(contract: str) -> list[int]:
    """Partitions with raw segments not validated yet (one mapped validate task each)."""
    settings, spec = load_settings(), _contract(contract)
    store, buckets = S3Store(settings), _curation_buckets(settings)
    return [p for p in range(spec.partitions) if curation.pending(store, buckets, spec, p)]


def validate(contract: str, partition: int) -> dict[str, Any]:
    """Validate every pending segment of one partition, in offset order."""
    settings, spec = load_settings(), _contract(contract)
    store, buckets = S3Store(settings), _curation_buckets(settings)
    summaries = curation.validate_pending(store, buckets, spec, partition)
    from assay.lineage import emit_validate

    emit_validate(settings, spec, summaries)
    totals = {
        k: sum(getattr(s, k) for s in summaries)
        for k in ("readings", "duplicates", "curated", "quarantined")
    }
    return {"contract": contract, "partition": partition, "segments": len(summaries), **totals}
