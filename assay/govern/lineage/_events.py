"""Run events of ingest, validate and release, and the calls the pipeline makes."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.facet_v2 import DatasetFacet, dataset_version_dataset, job_type_job
from openlineage.client.transport.transport import Transport

from assay.govern.lineage._facets import (
    ReleaseRunFacet,
    SegmentRunFacet,
    assertions_facet,
    quality_metrics_facet,
    released_schema,
    schema_facet,
    stats,
)
from assay.govern.lineage._parent import parent_facets
from assay.govern.lineage._transport import failures, send, transports_for
from assay.store import layout

if TYPE_CHECKING:
    from assay.config import Settings
    from assay.pipeline.ingest.landing import Landed
    from assay.pipeline.validate.curation import Summary
    from schemas import Contract

log = logging.getLogger("assay.govern.lineage")

PRODUCER = "https://github.com/assay/assay"
_RUN_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PRODUCER)


# Names and runs -----------------------------------------------------------------


def kafka_namespace(bootstrap: str) -> str:
    """``kafka://host:port`` of the first bootstrap server."""
    return f"kafka://{bootstrap.split(',')[0].strip()}"


def run_id(kind: str, identity: str) -> str:
    """A UUID that is the same every time the same segment or release is processed."""
    return str(uuid.uuid5(_RUN_NAMESPACE, f"{kind}:{identity}"))


@dataclass(frozen=True)
class _Run:
    job: str
    run_id: str
    facets: dict[str, Any]
    inputs: list[InputDataset]
    outputs: list[OutputDataset]


def _events(settings: Settings, run: _Run) -> list[RunEvent]:
    job_type = job_type_job.JobTypeJobFacet(
        processingType="BATCH", integration="ASSAY", jobType="TASK"
    )
    job = Job(namespace=settings.openlineage_namespace, name=run.job, facets={"jobType": job_type})
    return [
        RunEvent(
            eventType=state,
            eventTime=datetime.now(UTC).isoformat(),
            run=Run(runId=run.run_id, facets={**run.facets, **parent_facets()}),
            job=job,
            inputs=run.inputs,
            outputs=run.outputs,
            producer=PRODUCER,
        )
        for state in (RunState.START, RunState.COMPLETE)
    ]


def _s3(bucket: str, name: str, **facets: Any) -> OutputDataset:
    return OutputDataset(namespace=f"s3://{bucket}", name=name, facets=facets)


# What the pipeline calls --------------------------------------------------------


def ingest_events(
    settings: Settings, contract: Contract, landed: Iterable[Landed]
) -> list[RunEvent]:
    """START and COMPLETE of every landed segment."""
    from schemas import to_arrow_schema, topic_name

    schema: dict[str, DatasetFacet] = {"schema": schema_facet(to_arrow_schema(contract))}
    name = layout.dataset_prefix(contract.name, contract.major).rstrip("/")
    topic = InputDataset(
        namespace=kafka_namespace(settings.bootstrap), name=topic_name(contract), facets=schema
    )
    events = []
    for seg in landed:
        outputs = [_s3(settings.bucket_raw, name, **schema)]
        outputs[0].outputFacets = {"outputStatistics": stats(seg.readings, 1)}
        if seg.dead_readings:
            dead = _s3(settings.bucket_deadletter, name)
            dead.outputFacets = {"outputStatistics": stats(seg.dead_readings, 1)}
            outputs.append(dead)
        facet = SegmentRunFacet(
            seg.segment.stem, seg.segment.topic, seg.segment.partition, seg.segment.start,
            seg.end, seg.raw_key,
        )  # fmt: skip
        run = _Run(
            f"ingest.{contract.name}",
            run_id("ingest", seg.segment.stem),
            {"assay_segment": facet},
            [topic],
            outputs,
        )
        events += _events(settings, run)
    return events


def validate_events(
    settings: Settings, contract: Contract, summaries: Iterable[Summary]
) -> list[RunEvent]:
    """START and COMPLETE of every validated segment, with its data-quality facets."""
    from schemas import to_arrow_schema

    schema: dict[str, DatasetFacet] = {"schema": schema_facet(to_arrow_schema(contract))}
    name = layout.dataset_prefix(contract.name, contract.major).rstrip("/")
    events = []
    for summary in summaries:
        checked = summary.readings - summary.duplicates
        raw = InputDataset(namespace=f"s3://{settings.bucket_raw}", name=name, facets=schema)
        raw.inputFacets = {
            "dataQualityMetrics": quality_metrics_facet(contract, checked, summary.by_rule),
            "dataQualityAssertions": assertions_facet(contract, summary.by_rule),
        }
        outputs = [
            _s3(settings.bucket_curated, name, **schema),
            _s3(settings.bucket_quarantine, name),
            _s3(settings.bucket_reports, name),
        ]
        outputs[0].outputFacets = {
            "outputStatistics": stats(summary.curated, len(summary.curated_keys))
        }
        outputs[1].outputFacets = {
            "outputStatistics": stats(summary.quarantined, int(bool(summary.quarantine_key)))
        }
        seg = layout.Segment.parse(summary.segment)
        facet = SegmentRunFacet(
            seg.stem, seg.topic, seg.partition, seg.start, rawKey=summary.raw_key
        )
        run = _Run(
            f"validate.{contract.name}",
            run_id("validate", seg.stem),
            {"assay_segment": facet},
            [raw],
            outputs,
        )
        events += _events(settings, run)
    return events


def release_events(
    settings: Settings, contract: Contract, manifest: Mapping[str, Any]
) -> list[RunEvent]:
    """START and COMPLETE of one release (``manifest`` is the ``assay.release/1`` dict)."""
    from schemas import to_arrow_schema

    release = manifest.get("release", {})
    version = str(release.get("version") or manifest.get("contract", {}).get("version"))
    totals = manifest.get("totals", {})
    curated = InputDataset(
        namespace=f"s3://{settings.bucket_curated}",
        name=layout.dataset_prefix(contract.name, contract.major).rstrip("/"),
    )
    released = _s3(
        settings.bucket_releases,
        f"{contract.name}/{version}",
        schema=released_schema(manifest) or schema_facet(to_arrow_schema(contract)),
        version=dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=version),
    )
    released.outputFacets = {
        "outputStatistics": stats(
            int(totals.get("rows", 0)), int(totals.get("files", 0)), totals.get("bytes")
        )
    }
    lock = manifest.get("lock", {})
    facet = ReleaseRunFacet(
        contract.name,
        version,
        created=release.get("created"),
        qualityScore=manifest.get("quality", {}).get("score"),
        lockMode=lock.get("mode"),
        retainUntil=lock.get("retain_until"),
    )
    run = _Run(
        f"release.{contract.name}",
        run_id("release", f"{contract.name}/{version}"),
        {"assay_release": facet},
        [curated],
        [released],
    )
    return _events(settings, run)


def emit_ingest(
    settings: Settings,
    contract: Contract,
    landed_segments: Iterable[Landed],
    *,
    transports: Sequence[Transport] | None = None,
) -> int:
    """Report landed segments; returns the number of failed deliveries (never raises)."""
    return _emit(settings, lambda: ingest_events(settings, contract, landed_segments), transports)


def emit_validate(
    settings: Settings,
    contract: Contract,
    summaries: Iterable[Summary],
    *,
    transports: Sequence[Transport] | None = None,
) -> int:
    """Report validated segments; returns the number of failed deliveries (never raises)."""
    return _emit(settings, lambda: validate_events(settings, contract, summaries), transports)


def emit_release(
    settings: Settings,
    contract: Contract,
    release_manifest_dict: Mapping[str, Any],
    *,
    transports: Sequence[Transport] | None = None,
) -> int:
    """Report a release; returns the number of failed deliveries (never raises)."""
    return _emit(
        settings, lambda: release_events(settings, contract, release_manifest_dict), transports
    )


def _emit(
    settings: Settings, build: Callable[[], list[RunEvent]], transports: Sequence[Transport] | None
) -> int:
    try:
        events = build()
        chosen = list(transports) if transports is not None else transports_for(settings)
    except Exception as exc:  # a lineage bug must not fail the pipeline either
        failures["build"] += 1
        log.warning("lineage: could not build events: %s", exc)
        return 1
    return send(events, chosen)
