"""OpenLineage events: required fields, facets from the contract, transports, the graph."""

from __future__ import annotations

import json
import socket
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openlineage.client.serde import Serde
from openlineage.client.transport.transport import Transport

from assay.config import Settings
from assay.govern import lineage
from assay.pipeline.ingest.landing import Landed
from assay.pipeline.validate.curation import Summary
from assay.store import layout
from schemas import Contract, compile_rules, load_contract, to_arrow_schema

PARTITION = (("date", "2026-03-01"), ("site", "plant-a"))
TOPIC = "assay.energy_meter.v1"


class Collect(Transport):
    """An in-memory transport."""

    kind = "collect"

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def emit(self, event: Any) -> None:
        self.events.append(json.loads(Serde.to_json(event)))


class Broken(Transport):
    kind = "broken"

    def emit(self, event: Any) -> None:
        raise ConnectionError("lineage server down")


@pytest.fixture(scope="module")
def energy() -> Contract:
    return load_contract("energy_meter")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(state_dir=tmp_path, kafka_bootstrap="10.0.0.5:9092,10.0.0.6:9092")


def landed(start: int, dead: int = 0) -> Landed:
    seg = layout.Segment(TOPIC, 0, start)
    return Landed(seg, start + 100, 100, 100, dead, layout.raw_key("energy_meter", 1, seg), False)


def summary(contract: Contract, start: int, failed: dict[str, int]) -> Summary:
    seg = layout.Segment(TOPIC, 0, start)
    quarantined = sum(failed.values())
    return Summary(
        contract=contract.name,
        contract_version=contract.version,
        segment=seg.stem,
        raw_key=layout.raw_key(contract.name, 1, seg),
        readings=100,
        duplicates=2,
        curated=98 - quarantined,
        quarantined=quarantined,
        dead_readings=0,
        warnings=0,
        by_rule=failed,
        curated_keys=[layout.curated_key(contract.name, 1, seg, PARTITION)],
        quarantine_key=layout.quarantine_key(contract.name, 1, seg) if quarantined else None,
    )


MANIFEST: dict[str, Any] = {
    "format": "assay.release/1",
    "release": {"contract": "energy_meter", "version": "1.0.0", "created": "2026-03-02T00:00:00Z"},
    "totals": {"files": 2, "rows": 190, "bytes": 4096},
    "fields": [
        {"name": "site", "type": "string", "description": {"zh": "站点", "en": "site"}},
        {"name": "device_id", "type": "string", "description": {"zh": "设备", "en": "device"}},
    ],
    "quality": {"score": 0.97},
    "lock": {"mode": "COMPLIANCE", "retain_until": "2036-03-02T00:00:00Z"},
}


def assert_valid_run_event(event: dict[str, Any]) -> None:
    """The fields OpenLineage 2-0-2 requires of a RunEvent, datasets and facets."""
    assert {"eventTime", "producer", "schemaURL", "eventType", "run", "job"} <= set(event)
    assert "T" in event["eventTime"] and datetime.fromisoformat(event["eventTime"])
    assert event["eventType"] in {"START", "COMPLETE"}
    assert event["schemaURL"].startswith("https://openlineage.io/spec/")
    uuid.UUID(event["run"]["runId"])
    assert event["job"]["namespace"] == "assay" and event["job"]["name"]
    facets = [*event["run"].get("facets", {}).values(), *event["job"].get("facets", {}).values()]
    for dataset in event.get("inputs", []) + event.get("outputs", []):
        assert dataset["namespace"] and dataset["name"]
        for key in ("facets", "inputFacets", "outputFacets"):
            facets += dataset.get(key, {}).values()
    for facet in facets:
        assert facet["_producer"] and facet["_schemaURL"].startswith("http")


def test_ingest_events_have_required_fields_and_names(settings: Settings, energy: Contract) -> None:
    sink = Collect()
    assert lineage.emit_ingest(settings, energy, [landed(0, dead=3)], transports=[sink]) == 0
    start, complete = sink.events
    for event in sink.events:
        assert_valid_run_event(event)
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == complete["run"]["runId"]
    assert complete["job"]["name"] == "ingest.energy_meter"
    (topic,) = complete["inputs"]
    assert (topic["namespace"], topic["name"]) == ("kafka://10.0.0.5:9092", TOPIC)
    raw, dead = complete["outputs"]
    assert (raw["namespace"], raw["name"]) == ("s3://assay-raw", "energy_meter/v1")
    assert raw["outputFacets"]["outputStatistics"]["rowCount"] == 100
    assert dead["namespace"] == "s3://assay-deadletter"
    assert dead["outputFacets"]["outputStatistics"]["rowCount"] == 3
    assert complete["run"]["facets"]["assay_segment"]["endOffset"] == 100


def test_run_ids_are_derived_from_the_segment(settings: Settings, energy: Contract) -> None:
    first, again, other = Collect(), Collect(), Collect()
    lineage.emit_ingest(settings, energy, [landed(0)], transports=[first])
    lineage.emit_ingest(settings, energy, [landed(0)], transports=[again])
    lineage.emit_ingest(settings, energy, [landed(100)], transports=[other])
    run = first.events[0]["run"]["runId"]
    assert again.events[0]["run"]["runId"] == run
    assert other.events[0]["run"]["runId"] != run
    assert run == lineage.run_id("ingest", landed(0).segment.stem)


def test_schema_facet_follows_the_contract(settings: Settings, energy: Contract) -> None:
    sink = Collect()
    lineage.emit_ingest(settings, energy, [landed(0)], transports=[sink])
    fields = sink.events[1]["outputs"][0]["facets"]["schema"]["fields"]
    schema = to_arrow_schema(energy)
    assert [f["name"] for f in fields] == schema.names
    assert [f["type"] for f in fields] == [str(t) for t in schema.types]
    power = next(f for f in fields if f["name"] == "active_power")
    assert power["description"] and "[" in power["description"]  # bilingual text and unit


def test_validate_events_carry_assertions_and_metrics(settings: Settings, energy: Contract) -> None:
    rules = compile_rules(energy)
    failing = next(r for r in rules if str(r.kind) == "range")
    null_rule = next(r for r in rules if str(r.kind) == "not_null")
    failed = {failing.rule_id: 4, null_rule.rule_id: 1}
    sink = Collect()
    assert (
        lineage.emit_validate(settings, energy, [summary(energy, 0, failed)], transports=[sink])
        == 0
    )
    complete = sink.events[1]
    assert_valid_run_event(complete)
    assert complete["job"]["name"] == "validate.energy_meter"
    (raw,) = complete["inputs"]
    assertions = {
        a["assertion"]: a for a in raw["inputFacets"]["dataQualityAssertions"]["assertions"]
    }
    assert set(assertions) == {r.rule_id for r in rules}
    assert assertions[failing.rule_id]["success"] is False
    assert assertions[failing.rule_id]["actual"] == "4"
    assert all(a["success"] for k, a in assertions.items() if k not in failed)
    metrics = raw["inputFacets"]["dataQualityMetrics"]
    assert metrics["rowCount"] == 98
    assert metrics["columnMetrics"][null_rule.field]["nullCount"] == 1
    names = [(o["namespace"], o["outputFacets"].get("outputStatistics", {}).get("rowCount"))
             for o in complete["outputs"]]  # fmt: skip
    assert names[:2] == [("s3://assay-curated", 93), ("s3://assay-quarantine", 5)]


def test_release_events_use_the_manifest(settings: Settings, energy: Contract) -> None:
    sink = Collect()
    assert lineage.emit_release(settings, energy, MANIFEST, transports=[sink]) == 0
    complete = sink.events[1]
    assert_valid_run_event(complete)
    assert complete["run"]["runId"] == lineage.run_id("release", "energy_meter/1.0.0")
    (out,) = complete["outputs"]
    assert (out["namespace"], out["name"]) == ("s3://assay-releases", "energy_meter/1.0.0")
    assert [f["name"] for f in out["facets"]["schema"]["fields"]] == ["site", "device_id"]
    assert out["facets"]["version"]["datasetVersion"] == "1.0.0"
    assert out["outputFacets"]["outputStatistics"] == {
        **out["outputFacets"]["outputStatistics"],
        "rowCount": 190,
        "fileCount": 2,
        "size": 4096,
    }
    assert complete["run"]["facets"]["assay_release"]["qualityScore"] == 0.97


def test_file_transport_writes_one_line_per_event(settings: Settings, energy: Contract) -> None:
    lineage.emit_ingest(settings, energy, [landed(0), landed(100)])
    path = settings.state_dir / "lineage" / "events.jsonl"
    lines = path.read_text().splitlines()
    assert len(lines) == 4
    assert [json.loads(x)["eventType"] for x in lines] == ["START", "COMPLETE"] * 2


def test_a_failing_backend_is_counted_not_raised(settings: Settings, energy: Contract) -> None:
    sink, before = Collect(), lineage.failures["broken"]
    failed = lineage.emit_ingest(settings, energy, [landed(0)], transports=[Broken(), sink])
    assert failed == 2
    assert lineage.failures["broken"] == before + 2
    assert len(sink.events) == 2  # the other transport still got everything


def test_an_unreachable_http_endpoint_does_not_stop_the_file(
    tmp_path: Path, energy: Contract
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(state_dir=tmp_path, openlineage_url=f"http://127.0.0.1:{port}")
    assert lineage.emit_ingest(settings, energy, [landed(0)]) == 2
    assert len(lineage.read_events(lineage.events_file(settings))) == 2


def test_graph_goes_from_topic_to_release(settings: Settings, energy: Contract) -> None:
    lineage.emit_ingest(settings, energy, [landed(0), landed(100)])
    lineage.emit_ingest(settings, energy, [landed(0)])  # a re-run: the same run, not a new one
    lineage.emit_validate(settings, energy, [summary(energy, 0, {}), summary(energy, 100, {})])
    lineage.emit_release(settings, energy, MANIFEST)
    edges = lineage.lineage_edges(lineage.read_events(lineage.events_file(settings)))
    steps = [(e.job, e.source, e.target, e.runs) for e in edges]
    assert steps[0] == (
        "ingest.energy_meter",
        f"kafka://10.0.0.5:9092/{TOPIC}",
        "s3://assay-raw/energy_meter/v1",
        2,
    )
    assert ("validate.energy_meter", "s3://assay-raw/energy_meter/v1",
            "s3://assay-curated/energy_meter/v1", 2) in steps  # fmt: skip
    assert steps[-1][1:3] == (
        "s3://assay-curated/energy_meter/v1",
        "s3://assay-releases/energy_meter/1.0.0",
    )
    text = "\n".join(lineage.render(edges))
    assert text.index(TOPIC) < text.index("assay-curated") < text.index("assay-releases")
    assert (
        lineage.lineage_edges(lineage.read_events(lineage.events_file(settings)), "process_params")
        == []
    )


def test_public_api_is_importable() -> None:
    # ruff (RUF022) keeps __all__ sorted; this guards that every name exists.
    assert len(set(lineage.__all__)) == len(lineage.__all__)
    for name in lineage.__all__:
        assert hasattr(lineage, name), name


def test_events_of_an_airflow_task_name_it_as_their_parent(
    settings: Settings, energy: Contract
) -> None:
    from assay.pipeline.airflow import tasks

    when = datetime(2026, 3, 1, 6, 30, tzinfo=UTC)
    ti = tasks.TaskInstance("assay_ingest_energy_meter", "ingest", 2, 0, when)
    sink = Collect()
    with tasks.lineage_parent(ti, "airflow-prod"):
        lineage.emit_ingest(settings, energy, [landed(0)], transports=[sink])
    again = tasks.airflow_parent(ti, "airflow-prod")
    for event in sink.events:
        assert_valid_run_event(event)
        parent = event["run"]["facets"]["parent"]
        assert (parent["job"]["namespace"], parent["job"]["name"]) == (
            "airflow-prod",
            "assay_ingest_energy_meter.ingest",
        )
        assert parent["run"]["runId"] == again.run_id
        assert parent["root"]["job"]["name"] == "assay_ingest_energy_meter"
        assert parent["root"]["run"]["runId"] == again.root_run_id
    retry = tasks.airflow_parent(replace(ti, try_number=3), "airflow-prod")
    assert retry.run_id != again.run_id and retry.root_run_id == again.root_run_id

    outside = Collect()
    lineage.emit_ingest(settings, energy, [landed(0)], transports=[outside])
    assert all("parent" not in e["run"]["facets"] for e in outside.events)


#: The provider's task run id for (default, assay_validate_energy_meter, validate, try 1,
#: not mapped) at 2026-03-01T06:30Z.
FIXED_TASK_RUN_ID = "019ca816-ea40-7b13-926a-5686ca34b961"


def test_parent_run_ids_are_the_openlineage_providers() -> None:
    """The ids Airflow's OpenLineage provider gives a task instance and its DAG run
    (`OpenLineageAdapter.build_task_instance_run_id`, ``build_dag_run_id``): a UUIDv7 at the
    run's logical date, the rest a hash of ``<namespace>.<dag>.<task>.<try>.<map index>`` or
    ``<namespace>.<dag>.<clear number>``; so Marquez joins assay's events to Airflow's."""
    from openlineage.client.uuid import generate_static_uuid

    from assay.pipeline.airflow import tasks

    when = datetime(2026, 3, 1, 6, 30, tzinfo=UTC)
    ti = tasks.TaskInstance("assay_validate_energy_meter", "validate", 1, -1, when, clear_number=2)
    parent = tasks.airflow_parent(ti, "default")
    task = generate_static_uuid(when, b"default.assay_validate_energy_meter.validate.1.-1")
    dag = generate_static_uuid(when, b"default.assay_validate_energy_meter.2")
    assert (parent.run_id, parent.root_run_id) == (str(task), str(dag))
    run = uuid.UUID(parent.run_id)
    assert run.version == 7 and run.int >> 80 == int(when.timestamp() * 1000)
    # Fixed: a change in the client's hashing would part assay's events from Airflow's.
    assert parent.run_id == FIXED_TASK_RUN_ID
    mapped = tasks.airflow_parent(replace(ti, map_index=0), "default")
    assert mapped.run_id != parent.run_id and mapped.root_run_id == parent.root_run_id
