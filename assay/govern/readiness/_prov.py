"""The release's provenance as PROV-O, made of the OpenLineage events of its runs.

The runs are the ones Croissant's ``prov:wasGeneratedBy`` names (`activities`): the
release's, then each segment's ingest and validate run. The events come from the state
folder's event log; a run missing from it is named in the report, not left out.
"""

from __future__ import annotations

from typing import Any

from assay.govern.releases._provenance import activities


def release_prov(manifest: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """PROV-O of the release's runs (the release's, each segment's ingest and validate)."""
    from assay.govern.lineage import prov_document

    ids = [a["@id"].removeprefix("urn:uuid:") for a in activities(manifest)]
    return prov_document(events, ids)


def prov_summary(prov: dict[str, Any]) -> dict[str, Any]:
    """What the report says of the PROV-O file: runs found, runs missing from the events."""
    found = [n for n in prov["@graph"] if n["@type"] == "prov:Activity"]
    return {
        "file": "provenance.jsonld",
        "runs": len(found) + len(prov["missing"]),
        "found": len(found),
        "missing": prov["missing"],
        "activities": [{"id": n["@id"], "job": n["rdfs:label"]} for n in found],
    }
