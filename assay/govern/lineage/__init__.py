"""OpenLineage run events for ingest, validate and release, and the graph they describe.

Each landed segment, validated segment and release is one run: a START and a COMPLETE
event whose run id is a UUID derived from the segment stem or the release, so a re-run
reports the same run again instead of a new one. Names follow the OpenLineage naming
spec: job namespace ``assay`` (``ingest.<contract>`` …), datasets ``kafka://<bootstrap>``
/ ``<topic>`` and ``s3://<bucket>`` / ``<contract>/v<major>`` (one dataset per contract
version and layer; a release is ``<contract>/<version>`` in the releases bucket).

`prov_document` turns the events of chosen runs into W3C PROV-O (JSON-LD).

Events always go, one JSON line each, to ``<state>/lineage/events.jsonl``, and also to
``ASSAY_OPENLINEAGE_URL`` when set. Lineage never fails the pipeline: a transport that
fails is logged as a warning and counted in `failures`.
"""

from assay.govern.lineage._events import (
    PRODUCER,
    emit_ingest,
    emit_release,
    emit_validate,
    ingest_events,
    kafka_namespace,
    release_events,
    run_id,
    validate_events,
)
from assay.govern.lineage._facets import (
    ReleaseRunFacet,
    SegmentRunFacet,
    assertions_facet,
    quality_metrics_facet,
    schema_facet,
)
from assay.govern.lineage._graph import Edge, lineage_edges, read_events, render
from assay.govern.lineage._parent import (
    ParentRun,
    dag_run_id,
    parent_facets,
    parent_run_of,
    task_instance_run_id,
)
from assay.govern.lineage._prov import prov_document
from assay.govern.lineage._transport import (
    JsonlTransport,
    events_file,
    failures,
    send,
    transports_for,
)

__all__ = [
    "PRODUCER",
    "Edge",
    "JsonlTransport",
    "ParentRun",
    "ReleaseRunFacet",
    "SegmentRunFacet",
    "assertions_facet",
    "dag_run_id",
    "emit_ingest",
    "emit_release",
    "emit_validate",
    "events_file",
    "failures",
    "ingest_events",
    "kafka_namespace",
    "lineage_edges",
    "parent_facets",
    "parent_run_of",
    "prov_document",
    "quality_metrics_facet",
    "read_events",
    "release_events",
    "render",
    "run_id",
    "schema_facet",
    "send",
    "task_instance_run_id",
    "transports_for",
    "validate_events",
]
