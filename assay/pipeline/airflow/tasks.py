"""What the Airflow tasks call: one function per task, JSON in and out, settings from the env.

Each function is a whole, idempotent transaction on its own inputs (a partition, a
contract), so Airflow may retry it at will. Within a task each partition is its own
transaction too, and one partition never blocks another: a partition that fails is
recorded as stalled (`problems.Stall`) and the others still land or validate; only then
does the task fail, with `PartitionsFailed` — transient (Airflow retries) only when every
failure was. A stalled partition is planned into a task of its own from then on, so the
partitions it shared a task with are not held up by its failures either.

Every task talks to S3 as the pipeline role (its keys from the ``assay_s3`` connection, else
the settings: `connections`): it writes the layers it owns and cannot read
releases or delete anything — retention's task only removes versions of data-layer objects
its contract keeps no longer — whatever key another process of the machine holds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from assay.config import PIPELINE, Settings
from assay.errors import StoreError
from assay.pipeline import problems
from assay.pipeline.airflow import connections, workload
from assay.pipeline.ingest import landing
from assay.pipeline.ingest.consumer import KafkaPartition, backlog, ingest_group
from assay.pipeline.problems import PartitionsFailed, SegmentFailed
from assay.pipeline.validate import curation
from assay.store.buckets import Buckets
from assay.store.objects import ObjectStore, S3Store
from assay.store.partitions import landed as landed_partitions
from schemas import Contract, topic_name
from schemas.signature import KeyLookup

if TYPE_CHECKING:
    from assay.govern.lineage import ParentRun

log = logging.getLogger(__name__)

#: Pending segments that earn a partition a validate task of its own.
VALIDATE_ALONE = 4
#: Seconds of work a task starts; then it stops and leaves the rest to the next run, well
#: inside its execution timeout (`dags.EXECUTION_TIMEOUT`): a backlog never times a task out.
WORK_BUDGET_S = 20 * 60

T = TypeVar("T")


def _task(contract: str) -> tuple[Settings, Contract]:
    """The task's settings and its contract, found among those settings' contracts."""
    settings = _settings()
    return settings, settings.contracts().get(contract)


@dataclass(frozen=True)
class TaskInstance:
    """An Airflow task instance as Airflow's OpenLineage provider identifies it: ``when`` is
    its DAG run's logical date, or ``run_after`` for a run without one."""

    dag_id: str
    task_id: str
    try_number: int
    map_index: int
    when: datetime
    clear_number: int = 0


def airflow_parent(ti: TaskInstance, namespace: str) -> ParentRun:
    """The Airflow task instance as the OpenLineage parent of the events of its work: job
    ``<dag_id>.<task_id>`` and the run ids Airflow's OpenLineage provider gives the task
    instance and its DAG run (the root), in its namespace."""
    from assay.govern.lineage import ParentRun, dag_run_id, task_instance_run_id

    return ParentRun(
        namespace=namespace,
        job=f"{ti.dag_id}.{ti.task_id}",
        run_id=task_instance_run_id(
            namespace, ti.dag_id, ti.task_id, ti.try_number, ti.map_index, ti.when
        ),
        root_job=ti.dag_id,
        root_run_id=dag_run_id(namespace, ti.dag_id, ti.clear_number, ti.when),
    )


@contextmanager
def lineage_parent(ti: TaskInstance, namespace: str) -> Iterator[None]:
    """Lineage events built inside name this task instance as their parent (`airflow_parent`)."""
    from assay.govern.lineage import parent_run_of

    with parent_run_of(airflow_parent(ti, namespace)):
        yield


def plan_units(
    pending: dict[int, int], stalled: set[int], *, alone: int, slots: int = workload.SLOTS
) -> list[list[int]]:
    """`workload.units` of the healthy partitions, and a unit of its own for each stalled one
    (pending or not: its task clears the stall once the partition moves on)."""
    healthy = {p: n for p, n in pending.items() if p not in stalled}
    apart = [[p] for p in sorted(stalled) if p in pending]
    return workload.units(healthy, slots=slots, alone=alone) + apart


def _stalled(store: ObjectStore, settings: Settings, spec: Contract, stage: str) -> set[int]:
    return {s.partition for s in problems.stalls(store, settings.bucket_reports, spec, stage)}


def _settings() -> Settings:
    return connections.task_settings(PIPELINE)


def _signing_keys(settings: Settings) -> KeyLookup | None:
    """Each gateway's signing keys, derived from the identity keyring (the master key and
    earlier ones a rotation still honours); None without one (every signed record then
    fails its check, and unsigned ones are judged by contract)."""
    from assay.pipeline.validate.keyring import identity_keyring

    ring = identity_keyring(settings)
    return None if ring is None else ring.lookup()


def ingest_units(contract: str) -> list[list[int]]:
    """The partitions with records to land, grouped into ingest tasks (`workload`): a partition
    with a segment's worth of backlog alone, the rest together, a stalled one apart."""
    settings, spec = _task(contract)
    backlogs = backlog(settings, topic_name(spec), ingest_group(contract))
    stalled = _stalled(S3Store(settings), settings, spec, "ingest")
    return plan_units(backlogs, stalled, alone=landing.MAX_RECORDS)


def each_partition(
    store: ObjectStore,
    bucket: str,
    spec: Contract,
    stage: str,
    partitions: list[int],
    work: Callable[[int], list[T]],
) -> list[T]:
    """Run ``work`` for every partition: a failure is recorded as a stall and the others go
    on; a partition that succeeds is no longer stalled. Raises `PartitionsFailed` at the end."""
    known = {s.partition for s in problems.stalls(store, bucket, spec, stage)}
    done: list[T] = []
    failures: dict[int, BaseException] = {}
    for partition in partitions:
        try:
            done += work(partition)
        except Exception as exc:  # whatever one partition raises, the others go on
            failures[partition] = exc
            _note(store, bucket, spec, stage, partition, exc)
            continue
        if partition in known:
            problems.clear_stall(store, bucket, spec, stage, partition)
    if failures:
        raise PartitionsFailed(spec.name, stage, failures)
    return done


def _note(
    store: ObjectStore, bucket: str, spec: Contract, stage: str, partition: int, exc: Exception
) -> None:
    offset = exc.offset if isinstance(exc, SegmentFailed) else None
    log.error(
        "%s %s partition %d failed at offset %s: %s", spec.name, stage, partition, offset, exc
    )
    try:
        problems.note_stall(store, bucket, spec, stage, partition, offset, exc)
    except StoreError as unrecorded:  # S3 is down too: the task's failure still says it
        log.error("stall of partition %d not recorded: %s", partition, unrecorded)


def ingest(
    contract: str, partitions: list[int], max_records: int = landing.MAX_RECORDS
) -> dict[str, Any]:
    """Land each partition until it is caught up, one after the other; what was landed."""
    settings, spec = _task(contract)
    from assay.govern.lineage import (
        emit_ingest,
    )  # on use: the OpenLineage client takes ~1.5 s to import

    store, buckets, topic = S3Store(settings), Buckets.from_settings(settings), topic_name(spec)
    deadline = time.monotonic() + WORK_BUDGET_S
    keys = _signing_keys(settings)

    def land(partition: int) -> list[landing.Landed]:
        landed: list[landing.Landed] = []
        try:
            with KafkaPartition(settings, topic, partition, ingest_group(contract)) as part:
                landing.land_partition(
                    part,
                    store,
                    buckets,
                    spec,
                    max_records=max_records,
                    deadline=deadline,
                    progress=landed.append,
                    keys=keys,
                )
        except Exception:
            emit_ingest(settings, spec, landed)  # what landed is committed: its lineage is due
            raise
        emit_ingest(settings, spec, landed)
        return landed

    segments = each_partition(store, settings.bucket_reports, spec, "ingest", partitions, land)
    return {
        "contract": contract,
        "partitions": partitions,
        "segments": [x.as_dict() for x in segments],
        "readings": sum(x.readings for x in segments),
        "dead_readings": sum(x.dead_readings for x in segments),
    }


def validate_units(contract: str) -> list[list[int]]:
    """The partitions with raw segments not validated yet, grouped into validate tasks: a
    partition with `VALIDATE_ALONE` pending segments or more alone, the rest together, a
    stalled one apart."""
    settings, spec = _task(contract)
    store, buckets = S3Store(settings), Buckets.from_settings(settings)
    return validate_plan(store, buckets, spec, _stalled(store, settings, spec, "validate"))


def validate_plan(
    store: ObjectStore, buckets: curation.Buckets, spec: Contract, stalled: set[int]
) -> list[list[int]]:
    """`validate_units` of every partition with a raw object stored (or a stall), however
    many partitions the contract created its topic with: an added one is validated too."""
    found = landed_partitions(store, buckets.raw, spec) | stalled
    pending = {p: len(curation.pending(store, buckets, spec, p)) for p in sorted(found)}
    return plan_units(pending, stalled, alone=VALIDATE_ALONE)


def validate(contract: str, partitions: list[int]) -> dict[str, Any]:
    """Validate every pending segment of each partition, in offset order."""
    settings, spec = _task(contract)
    store, buckets = S3Store(settings), Buckets.from_settings(settings)
    from assay.govern.lineage import emit_validate

    deadline = time.monotonic() + WORK_BUDGET_S

    def check(partition: int) -> list[curation.Summary]:
        done = validate_partition(store, buckets, spec, partition, deadline=deadline)
        emit_validate(settings, spec, done)
        return done

    summaries = each_partition(store, buckets.reports, spec, "validate", partitions, check)
    totals = {
        k: sum(getattr(s, k) for s in summaries)
        for k in ("readings", "duplicates", "curated", "quarantined", "dead_readings")
    }
    return {"contract": contract, "partitions": partitions, "segments": len(summaries),
            **totals, "scores": scores(summaries)}  # fmt: skip


def scores(summaries: list[curation.Summary]) -> dict[str, float | None]:
    """The GB/T 36344 scores over some segments: ``score`` over all, then each dimension."""
    from assay.govern.releases._quality import quality_summary

    quality = quality_summary(summaries)
    return {"score": quality["score"]} | {d["dimension"]: d["score"] for d in quality["dimensions"]}


def asset_extra(result: dict[str, Any]) -> dict[str, Any]:
    """What an ingest or validate task's asset event carries (Airflow's asset page shows it):
    the counts of its work and, for validation, the scores, all plain JSON."""
    counts = ("segments", "readings", "dead_readings", "curated", "quarantined", "duplicates")
    extra: dict[str, Any] = {"contract": result["contract"], "partitions": result["partitions"]}
    for name in counts:
        if name in result:
            value = result[name]
            extra["dead_lettered" if name == "dead_readings" else name] = (
                len(value) if isinstance(value, list) else value
            )
    return extra | ({"scores": result["scores"]} if "scores" in result else {})


def validate_partition(
    store: ObjectStore,
    buckets: curation.Buckets,
    spec: Contract,
    partition: int,
    *,
    deadline: float | None = None,
) -> list[curation.Summary]:
    """`curation.validate_pending`; a failure before any segment (listing) has no offset."""
    try:
        return curation.validate_pending(store, buckets, spec, partition, deadline=deadline)
    except SegmentFailed:
        raise
    except Exception as exc:
        raise SegmentFailed(topic_name(spec), partition, None, exc) from exc


def retention(contract: str, now: str) -> dict[str, Any]:
    """Expire what the contract keeps no longer at ``now`` (ISO time); what went."""
    from datetime import datetime

    from assay.govern.retention import run_retention, run_summary

    return run_summary(run_retention(*_task(contract), datetime.fromisoformat(now)))


def notify() -> dict[str, Any]:
    """Tell the settings' channels of open problems not told yet (`assay notify`): what is
    open, the keys of the notices sent now, and whether the DAG runs were checked
    (``"checked"``, or ``"unknown: <why>"`` when Airflow's API could not be asked)."""
    from assay.govern.alerts import gather, notify_problems

    settings = _settings()
    found = gather(settings, list(settings.contracts()))
    sent = sorted(notify_problems(settings, found.problems))
    runs = "checked" if found.runs_unknown is None else f"unknown: {found.runs_unknown}"
    return {"open": [p.key for p in found.problems], "sent": sent, "runs": runs}
