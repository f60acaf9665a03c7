"""The DAG factory: every contract gets an ingest DAG and a validate DAG, wired by assets.

    kafka topic asset ──(watcher wakes, or every 10 min)──► assay_ingest_<contract>
        plan() ─► ingest(partitions) × N (mapped) ─► raw asset
    raw asset ──► assay_validate_<contract>
        plan() ─► validate(partitions) × M (mapped) ─► curated asset
    daily ──► assay_retention
        expire(contract) × contracts (mapped): the expiry ledger first, then expired objects out
    every 10 min ──► assay_notify
        notify(): each open problem (stall, loss, audit, low score, failed run) told once

``plan`` maps one task per busy partition and one or two for all the quiet ones
(`assay.pipeline.airflow.workload`): a backlog spreads over the workers, a trickle starts few tasks.

Errors are decided here, once: a transient `AssayError` (the broker or S3 away) is left to
Airflow's retries; any other error fails the task at once (`AirflowFailException`) — a
poison record or a bug fails the same way on every try, and the next run tries again anyway.
Every task has an execution timeout; the work functions stop well inside it.

Nothing here does I/O or imports anything heavy: tasks import their work when they run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, TypeVar

import pendulum
from airflow.sdk import DAG, Asset, AssetWatcher, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

from assay.config import Settings, load_settings
from assay.pipeline.airflow import wakeup, workload
from assay.store import layout
from schemas import Contract, topic_name

START = pendulum.datetime(2026, 1, 1, tz="UTC")
FALLBACK = "*/10 * * * *"
DAILY = "17 3 * * *"
POLL_TIMEOUT_S = 0.2
UNIT = "{{ unit }}"
#: A task's work stops after `tasks.WORK_BUDGET_S` (20 min); this is the hard stop.
EXECUTION_TIMEOUT = timedelta(minutes=30)
PLAN_TIMEOUT = timedelta(minutes=5)
RETRIES = {
    "retries": 3,
    "retry_delay": timedelta(seconds=20),
    "retry_exponential_backoff": True,
    "execution_timeout": EXECUTION_TIMEOUT,
}
T = TypeVar("T")
#: The DAG list shows the description in a tooltip: the first sentence or so is enough.
MAX_DESCRIPTION = 300


@contextmanager
def decided() -> Iterator[None]:
    """Retry a transient error (Airflow's retries); fail any other at once, no retries."""
    from assay.errors import AssayError

    try:
        yield
    except AssayError as exc:
        if exc.transient:
            raise
        raise AirflowFailException(str(exc)) from exc
    except (AirflowSkipException, AirflowFailException):
        raise
    except Exception as exc:
        raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc


def at_boundary(work: Callable[..., T], *args: Any) -> T:
    """``work(*args)`` with its errors `decided`."""
    with decided():
        return work(*args)


def topic_asset(contract: Contract, settings: Settings) -> Asset:
    """The Kafka topic as an asset, watched by the Kafka provider's message-queue trigger."""
    from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger

    topic = topic_name(contract)
    trigger = MessageQueueTrigger(
        scheme="kafka",
        topics=[topic],
        apply_function="assay.pipeline.airflow.wakeup.on_message",
        kafka_config_id=wakeup.connection_id(contract.name),
        commit_offset=False,
        poll_interval=1,
        # The triggerer runs every watcher's blocking poll on one shared thread (asgiref's
        # thread-sensitive sync_to_async), so each poll holds up all the others: at 1 s, five
        # watchers made a restarted one wait ~12 s for the polls of its group join.
        poll_timeout=POLL_TIMEOUT_S,
    )
    watcher = AssetWatcher(name=f"{contract.name}_watcher", trigger=trigger)
    broker = settings.bootstrap.split(",")[0]
    return Asset(
        name=f"kafka_{contract.name}_v{contract.major}",
        uri=f"kafka://{broker}/{topic}",
        group="kafka",
        watchers=[watcher],
    )


def store_asset(contract: Contract, bucket: str, kind: str) -> Asset:
    """A dataset version in one bucket (raw, curated) as an asset."""
    return Asset(
        name=f"{kind}_{contract.name}_v{contract.major}",
        uri=f"s3://{bucket}/{layout.dataset_prefix(contract.name, contract.major)}",
        group=kind,
    )


def _stage_dag(contract: Contract, stage: str, schedule: Any) -> DAG:
    """One contract's DAG of a stage: ids, owner, docs and run limits alike for every stage."""
    return DAG(
        dag_id=f"assay_{stage}_{contract.name}",
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(contract),
        description=description(contract, stage),
        dag_display_name=display_name(contract, stage),
        tags=["assay", stage, contract.name],
        doc_md=_doc(contract, stage),
    )


def ingest_dag(contract: Contract, settings: Settings) -> DAG:
    """Land every partition of the contract's topic as raw Parquet."""
    raw = store_asset(contract, settings.bucket_raw, "raw")
    schedule = AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(FALLBACK, timezone="UTC"),
        assets=topic_asset(contract, settings),  # type: ignore[arg-type]
    )
    with _stage_dag(contract, "ingest", schedule) as dag:

        @task(task_id="plan", execution_timeout=PLAN_TIMEOUT)
        def plan(name: str) -> list[list[int]]:
            from assay.pipeline.airflow import tasks

            return at_boundary(tasks.ingest_units, name)

        @task(outlets=[raw], max_active_tis_per_dagrun=workload.SLOTS, map_index_template=UNIT)
        def ingest(name: str, partitions: list[int]) -> dict[str, Any]:
            from assay.pipeline.airflow import tasks

            _label(partitions)
            with lineage_parent():
                landed = at_boundary(tasks.ingest, name, partitions)
            if not landed["segments"]:
                # A skipped task emits no asset event, so validation is not woken for nothing.
                raise AirflowSkipException(f"{workload.label(partitions)}: nothing new")
            return _announced(raw, landed)

        ingest.partial(name=contract.name).expand(partitions=plan(contract.name))
    return dag


def validate_dag(contract: Contract, settings: Settings) -> DAG:
    """Validate new raw segments into curated and quarantine Parquet with reports."""
    raw = store_asset(contract, settings.bucket_raw, "raw")
    curated = store_asset(contract, settings.bucket_curated, "curated")
    with _stage_dag(contract, "validate", [raw]) as dag:

        @task(task_id="plan", execution_timeout=PLAN_TIMEOUT)
        def plan(name: str) -> list[list[int]]:
            from assay.pipeline.airflow import tasks

            return at_boundary(tasks.validate_units, name)

        @task(outlets=[curated], max_active_tis_per_dagrun=workload.SLOTS, map_index_template=UNIT)
        def validate(name: str, partitions: list[int]) -> dict[str, Any]:
            from assay.pipeline.airflow import tasks

            _label(partitions)
            with lineage_parent():
                return _announced(curated, at_boundary(tasks.validate, name, partitions))

        validate.partial(name=contract.name).expand(partitions=plan(contract.name))
    return dag


def _platform_dag(name: str, cron: str, doc: str) -> DAG:
    """A DAG of the whole platform (not of one contract) on a cron schedule, retried alike."""
    return DAG(
        dag_id=f"assay_{name}",
        schedule=CronTriggerTimetable(cron, timezone="UTC"),
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=RETRIES,
        tags=["assay", name],
        doc_md=f"**{name}** — {doc}",
    )


def retention_dag(contracts: list[Contract]) -> DAG:
    """Once a day, expire what each contract keeps no longer (`assay retention apply`)."""
    doc = ("raw, dead letters, quarantine and curated data past each contract's retention, "
           "recorded in the expiry ledger (`assay retention apply`).")  # fmt: skip
    with _platform_dag("retention", DAILY, doc) as dag:

        @task(map_index_template="{{ contract }}")
        def expire(name: str) -> dict[str, Any]:
            from assay.pipeline.airflow import tasks

            context = get_current_context()
            context["contract"] = name  # type: ignore[typeddict-unknown-key]
            # The run's date, not the wall clock: a retried task decides the same. A manual
            # run has no logical date; it runs after it was asked for.
            when = context.get("logical_date") or context["dag_run"].run_after
            return tasks.retention(name, when.isoformat())

        expire.expand(name=[c.name for c in contracts])
    return dag


def notify_dag() -> DAG:
    """Every ten minutes, tell people of open problems not told yet (`assay notify`)."""
    doc = ("stalled partitions, lost data, unbalanced audits, scores under the threshold and "
           "failed runs, each told once until it clears (`assay notify`).")  # fmt: skip
    with _platform_dag("notify", FALLBACK, doc) as dag:

        @task(task_id="notify", execution_timeout=PLAN_TIMEOUT)
        def notify() -> dict[str, Any]:
            from assay.pipeline.airflow import tasks

            return at_boundary(tasks.notify)

        notify()
    return dag


@contextmanager
def lineage_parent() -> Iterator[None]:
    """The running task instance as the parent of the lineage events of its work."""
    from airflow.configuration import conf

    from assay.pipeline.airflow import tasks

    context = get_current_context()
    ti, run = context["ti"], context["dag_run"]
    namespace = conf.get("openlineage", "namespace", fallback="default") or "default"
    instance = tasks.TaskInstance(
        dag_id=ti.dag_id,
        task_id=ti.task_id,
        try_number=ti.try_number,
        map_index=-1 if ti.map_index is None else ti.map_index,  # -1: not mapped
        when=run.logical_date or run.run_after,
        clear_number=getattr(run, "clear_number", 0) or 0,
    )
    with tasks.lineage_parent(instance, namespace):
        yield


def _announced(asset: Asset, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with its counts and scores set as the ``extra`` of the task's asset event."""
    from assay.pipeline.airflow import tasks

    get_current_context()["outlet_events"][asset].extra = tasks.asset_extra(result)
    return result


def _label(partitions: list[int]) -> None:
    """Name this mapped task's unit in Airflow's grid (``UNIT``) instead of its index."""
    get_current_context()["unit"] = workload.label(partitions)  # type: ignore[typeddict-unknown-key]


def default_args(contract: Contract) -> dict[str, Any]:
    """`RETRIES`, and the contract's owner as every task's owner (Airflow's Owner column)."""
    return {**RETRIES, "owner": contract.owner}


def display_name(contract: Contract, stage: str) -> str:
    """What the DAG list shows instead of the dag_id: the contract's title and the stage."""
    return f"{contract.title.zh} / {contract.title.en} · {stage}"


def description(contract: Contract, stage: str) -> str:
    """The DAG's description: the stage and the contract's own description."""
    verb = {"ingest": "Land", "validate": "Validate"}[stage]
    return f"{verb} {contract.name} v{contract.major}: {contract.description.en}"[:MAX_DESCRIPTION]


def _doc(contract: Contract, stage: str) -> str:
    title = f"{contract.title.zh} / {contract.title.en}"
    return f"**{stage}** `{contract.name}` v{contract.version} — {title}"


def pipeline_dags() -> dict[str, DAG]:
    """Both DAGs of every contract, shipped and the site's (`Settings.contracts_dir`), the
    retention DAG and the notify DAG, by dag_id."""
    settings = load_settings()
    dags: dict[str, DAG] = {}
    contracts = list(settings.contracts())
    for contract in contracts:
        for build in (ingest_dag, validate_dag):
            dag = build(contract, settings)
            dags[dag.dag_id] = dag
    dags["assay_retention"] = retention_dag(contracts)
    dags["assay_notify"] = notify_dag()
    return dags
