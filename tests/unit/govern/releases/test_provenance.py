"""Provenance: PROV-O names the OpenLineage runs and is made of their events; D&TA fields."""

from __future__ import annotations

import json
from pathlib import Path

from assay.config import Settings
from assay.govern.lineage import (
    JsonlTransport,
    events_file,
    prov_document,
    read_events,
    release_events,
    run_id,
    send,
)
from assay.govern.releases import create_release
from assay.govern.releases._provenance import activities, data_provenance, origin_geography
from assay.store.objects import MemoryStore
from schemas import Contract

from .conftest import BUCKETS, KEY, TERMS, request

PREFIX = "process_params/1.0.0/"
#: Required by the D&TA Data Provenance Standard 1.0.0 JSON schema, per group.
REQUIRED = {
    "source": {"version", "title", "id", "issuer", "description"},
    "provenance": {"origin-geography", "date", "generation-method"},
}


def test_croissant_provenance_names_the_runs_lineage_emits(
    store: MemoryStore, params: Contract
) -> None:
    m = create_release(store, BUCKETS, request(params), KEY, TERMS).manifest
    doc = json.loads(store.get(BUCKETS.releases, PREFIX + "croissant.json"))
    emitted = release_events(Settings(), params, m)[0].run.runId
    generated = [a["@id"] for a in doc["prov:wasGeneratedBy"]]
    stems = [s["stem"] for s in m["lineage"]["segments"]]
    assert generated[0] == f"urn:uuid:{emitted}"
    assert set(generated[1:]) == {
        f"urn:uuid:{run_id(kind, stem)}" for stem in stems for kind in ("ingest", "validate")
    }
    assert doc["prov:wasDerivedFrom"] == [
        {"@id": f"s3://{BUCKETS.curated}/process_params/v1"},
        {"@id": f"s3://{BUCKETS.raw}/process_params/v1"},
    ]
    assert activities(m) == doc["prov:wasGeneratedBy"]


def test_manifest_and_card_carry_the_data_provenance_standard(
    store: MemoryStore, params: Contract
) -> None:
    sites = {"plant-a": "一号厂区, 佛山市顺德区CN-GD", "plant-b": "Plant B, Xiamen (CN-FJ)"}
    m = create_release(store, BUCKETS, request(params, sites=sites), KEY, TERMS).manifest
    dps = m["data_provenance"]
    assert dps["provenance"]["origin-geography"] == [
        {"country": "CN", "state": "CN-GD"},
        {"country": "CN", "state": "CN-FJ"},
    ]
    for group, keys in REQUIRED.items():
        assert keys <= set(dps[group]), group
    assert dps["source"]["location"] == f"s3://{BUCKETS.releases}/{PREFIX}manifest.json"
    assert dps["use"]["license"] == m["release"]["licence"]
    pseudo = next(
        p for p in dps["use"]["privacy-indicators"] if p["tool"]["code"] == "pseudonymization"
    )
    assert pseudo["parameters"] == ", ".join(m["masking"]["pseudonymised"])
    card = store.get(BUCKETS.releases, PREFIX + "README.md").decode()
    assert "`provenance.origin-geography`" in card and dps["source"]["id"] in card
    body = {k: v for k, v in m.items() if k not in ("documents", "data_provenance")}
    where = dps["provenance"]["origin-geography"]
    assert data_provenance(body, f"s3://{BUCKETS.releases}/{PREFIX}", where) == dps


def test_origin_geography_is_never_guessed() -> None:
    described = {"a": "佛山 CN-GD", "b": "no code here", "c": "CN-GD1X", "d": "Shenzhen CN-GD"}
    assert origin_geography(["a", "b", "c", "d", "e"], described) == [
        {"country": "CN", "state": "CN-GD"}
    ]
    assert origin_geography(["b"], described) == []


def test_prov_document_is_made_of_the_stored_events(
    store: MemoryStore, params: Contract, tmp_path: Path
) -> None:
    m = create_release(store, BUCKETS, request(params), KEY, TERMS).manifest
    settings = Settings(state_dir=tmp_path)
    send(release_events(settings, params, m), [JsonlTransport(events_file(settings))])
    events = read_events(events_file(settings))
    ids = [a["@id"].removeprefix("urn:uuid:") for a in activities(m)]
    doc = prov_document(events, ids)
    (run,) = [n for n in doc["@graph"] if n["@type"] == "prov:Activity"]
    assert run["@id"] == activities(m)[0]["@id"] and run["rdfs:label"] == "release.process_params"
    assert run["prov:startedAtTime"]["@value"] <= run["prov:endedAtTime"]["@value"]
    (released,) = [n for n in doc["@graph"] if n["@type"] == "prov:Entity"]
    assert released["@id"] == f"s3://{settings.bucket_releases}/process_params/1.0.0"
    assert released["prov:wasGeneratedBy"] == {"@id": run["@id"]}
    assert released["prov:wasDerivedFrom"] == [
        {"@id": f"s3://{settings.bucket_curated}/process_params/v1"}
    ]
    # The segments' ingest and validate runs are not in this log: they show as missing.
    assert doc["missing"] == [a["@id"] for a in activities(m)[1:]]
