"""What the Airflow tasks call: one function per task, JSON in and out, settings from the env.

Each function is a whole, idempotent transaction on its own inputs (a partition, a
contract), so Airflow may retry it at will; transient errors (`AssayError.transient`)
are left to Airflow's retries, terminal ones fail the task with their message.

Every task talks to S3 as the pipeline role: it writes the layers it owns and cannot read
releases or delete anything, whatever key another process of the machine holds.
"""

from __future__ import annotations

from typing import Any

from assay.config import PIPELINE, Settings, load_settings
from assay.pipeline.airflow import workload
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.consumer import KafkaPartition, backlog, ingest_group
from assay.pipeline.validate import curation
from assay.store.buckets import Buckets
from assay.store.objects import S3Store
from schemas import Contract, ContractRegistry, topic_name

#: Pending segments that earn a partition a validate task of its own.
VALIDATE_ALONE = 4


def _contract(name: str) -> Contract:
    return ContractRegistry.shipped().get(name)


def _settings() -> Settings:
    return load_settings().as_role(PIPELINE)


def ingest_units(contract: str) -> list[list[int]]:
    """The partitions with records to land, grouped into ingest tasks (`workload`): a partition
    with a segment's worth of backlog alone, the rest together."""
    backlogs = backlog(_settings(), topic_name(_contract(contract)), ingest_group(contract))
    return workload.units(backlogs, slots=workload.SLOTS, alone=landing.MAX_RECORDS)


def ingest(
    contract: str, partitions: list[int], max_records: int = landing.MAX_RECORDS
) -> dict[str, Any]:
    """Land each partition until it is caught up, one after the other; what was landed."""
    settings, spec = _settings(), _contract(contract)
    from assay.govern.lineage import (
        emit_ingest,
    )  # on use: the OpenLineage client takes ~1.5 s to import

    store, buckets, topic = S3Store(settings), Buckets.from_settings(settings), topic_name(spec)
    segments: list[landing.Landed] = []
    for partition in partitions:
        with KafkaPartition(settings, topic, partition, ingest_group(contract)) as log:
            landed = landing.land_partition(log, store, buckets, spec, max_records=max_records)
        emit_ingest(settings, spec, landed)  # per partition: each is landed and committed
        segments += landed
    return {
        "contract": contract,
        "partitions": partitions,
        "segments": [x.as_dict() for x in segments],
        "readings": sum(x.readings for x in segments),
        "dead_readings": sum(x.dead_readings for x in segments),
    }


def validate_units(contract: str) -> list[list[int]]:
    """The partitions with raw segments not validated yet, grouped into validate tasks: a
    partition with `VALIDATE_ALONE` pending segments or more alone, the rest together."""
    settings, spec = _settings(), _contract(contract)
    store, buckets = S3Store(settings), Buckets.from_settings(settings)
    pending = {p: len(curation.pending(store, buckets, spec, p)) for p in range(spec.partitions)}
    return workload.units(pending, slots=workload.SLOTS, alone=VALIDATE_ALONE)


def validate(contract: str, partitions: list[int]) -> dict[str, Any]:
    """Validate every pending segment of each partition, in offset order."""
    settings, spec = _settings(), _contract(contract)
    store, buckets = S3Store(settings), Buckets.from_settings(settings)
    from assay.govern.lineage import emit_validate

    summaries: list[curation.Summary] = []
    for partition in partitions:
        done = curation.validate_pending(store, buckets, spec, partition)
        emit_validate(settings, spec, done)
        summaries += done
    totals = {
        k: sum(getattr(s, k) for s in summaries)
        for k in ("readings", "duplicates", "curated", "quarantined")
    }
    return {"contract": contract, "partitions": partitions, "segments": len(summaries), **totals}
