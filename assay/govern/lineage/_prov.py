"""OpenLineage run events as W3C PROV-O (JSON-LD), for the runs behind one release.

Each run is a ``prov:Activity`` (``urn:uuid:<runId>``) with its job, its start and end
times (the START and COMPLETE events) and the datasets it ``prov:used``; each output
dataset is an entity ``prov:wasGeneratedBy`` the run and ``prov:wasDerivedFrom`` its
inputs. Dataset ids are OpenLineage's ``<namespace>/<name>``. A run asked for but absent
from the events is listed under ``missing``, so a gap in the event log shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CONTEXT = {
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def prov_document(events: Iterable[Mapping[str, Any]], run_ids: list[str]) -> dict[str, Any]:
    """The PROV-O graph of the runs ``run_ids`` (in that order) found in ``events``."""
    runs = _runs(events, set(run_ids))
    found = [r for r in run_ids if r in runs]
    graph: list[dict[str, Any]] = []
    for rid in found:
        graph.append(_activity(rid, runs[rid]))
        graph += _entities(rid, runs[rid])
    return {
        "@context": CONTEXT,
        "@graph": graph,
        "missing": [f"urn:uuid:{r}" for r in run_ids if r not in runs],
    }


def _runs(
    events: Iterable[Mapping[str, Any]], wanted: set[str]
) -> dict[str, dict[str, Mapping[str, Any]]]:
    """Per run id, its last event of each type (a re-run reports the same run again)."""
    runs: dict[str, dict[str, Mapping[str, Any]]] = {}
    for event in events:
        rid = event.get("run", {}).get("runId")
        if rid in wanted:
            runs.setdefault(rid, {})[str(event.get("eventType"))] = event
    return {rid: by for rid, by in runs.items() if "COMPLETE" in by}


def _uri(dataset: Mapping[str, Any]) -> str:
    return f"{dataset['namespace']}/{dataset['name']}"


def _activity(rid: str, by_type: dict[str, Mapping[str, Any]]) -> dict[str, Any]:
    done = by_type["COMPLETE"]
    start = by_type.get("START", done)
    return {
        "@id": f"urn:uuid:{rid}",
        "@type": "prov:Activity",
        "rdfs:label": done["job"]["name"],
        "prov:startedAtTime": {"@value": start["eventTime"], "@type": "xsd:dateTime"},
        "prov:endedAtTime": {"@value": done["eventTime"], "@type": "xsd:dateTime"},
        "prov:used": [{"@id": _uri(d)} for d in done.get("inputs", ())],
    }


def _entities(rid: str, by_type: dict[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    done = by_type["COMPLETE"]
    sources = [{"@id": _uri(d)} for d in done.get("inputs", ())]
    return [
        {
            "@id": _uri(d),
            "@type": "prov:Entity",
            "prov:wasGeneratedBy": {"@id": f"urn:uuid:{rid}"},
            "prov:wasDerivedFrom": sources,
        }
        for d in done.get("outputs", ())
    ]
