"""Provenance of a release in the forms ML platforms read: PROV-O and the D&TA standard.

Both are pure functions of the manifest (without ``documents``):

* `prov` — W3C PROV-O ``prov:wasDerivedFrom`` / ``prov:wasGeneratedBy`` for Croissant.
  The identities are those of the release's OpenLineage events (`assay.govern.lineage`):
  datasets ``s3://<bucket>/<contract>/v<major>`` and one activity per run,
  ``urn:uuid:<runId>``, for the release and for the ingest and validate run of every
  segment behind it. The run ids are derived from the segment stems, so they are the
  ones the pipeline emitted (and re-emits on a re-run) without reading its event log.
* `data_provenance` — the Data & Trust Alliance Data Provenance Standard 1.0.0 metadata
  (groups ``source``, ``provenance``, ``use``; names as its JSON schema spells them).
  ``origin-geography`` comes from the enterprise's sites (setting ``enterprise_sites``): the
  ISO 3166-2 subdivision code written in a released site's description (``"plant-a":
  "一号厂区, 佛山市顺德区, CN-GD"``); a site without one is not guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

DPS_VERSION = "1.0.0"
#: An ISO 3166-2 subdivision code (``CN-GD``) anywhere in a site's description, CJK around it.
_SUBDIVISION = re.compile(r"(?<![A-Za-z0-9])([A-Z]{2})-[A-Z0-9]{1,3}(?![A-Za-z0-9-])")


def origin_geography(sites: Iterable[str], described: Mapping[str, str]) -> list[dict[str, str]]:
    """Country and subdivision of each released site whose description names its ISO 3166-2
    code; each place once, in site order."""
    found: list[dict[str, str]] = []
    for site in sites:
        match = _SUBDIVISION.search(described.get(site, ""))
        place = {"country": match.group(1), "state": match.group(0)} if match else None
        if place and place not in found:
            found.append(place)
    return found


def run_id(kind: str, identity: str) -> str:
    """The run id the pipeline's OpenLineage events carry (imported late: a reader's install
    has no OpenLineage client, and reading a release never needs it)."""
    from assay.govern.lineage import run_id as lineage_run_id

    return lineage_run_id(kind, identity)


def _dataset(bucket: str, contract: dict[str, Any]) -> str:
    return f"s3://{bucket}/{contract['name']}/v{contract['major']}"


def activities(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The OpenLineage runs behind a release as PROV activities: the release's, then each
    segment's ingest and validate run."""
    c, release = manifest["contract"], manifest["release"]
    runs = [("release", f"{c['name']}/{release['version']}", release["version"])]
    for seg in manifest["lineage"]["segments"]:
        runs += [("ingest", seg["stem"], seg["stem"]), ("validate", seg["stem"], seg["stem"])]
    return [
        {
            "@id": f"urn:uuid:{run_id(kind, identity)}",
            "@type": "prov:Activity",
            "name": f"{kind}.{c['name']} {label}",
        }
        for kind, identity, label in runs
    ]


def prov(manifest: dict[str, Any]) -> dict[str, Any]:
    """``prov:wasDerivedFrom`` (curated, raw) and ``prov:wasGeneratedBy`` (the runs)."""
    c, lineage = manifest["contract"], manifest["lineage"]
    return {
        "prov:wasDerivedFrom": [
            {"@id": _dataset(lineage["curated_bucket"], c)},
            {"@id": _dataset(lineage["raw_bucket"], c)},
        ],
        "prov:wasGeneratedBy": activities(manifest),
    }


def data_provenance(
    manifest: dict[str, Any], location: str, geography: list[dict[str, str]]
) -> dict[str, Any]:
    """The D&TA Data Provenance Standard metadata of a release; ``geography`` from
    `origin_geography`."""
    c, release, totals = manifest["contract"], manifest["release"], manifest["totals"]
    return {
        "source": {
            "version": DPS_VERSION,
            "title": f"{c['title']['zh']} / {c['title']['en']}",
            "id": f"urn:uuid:{run_id('release', c['name'] + '/' + release['version'])}",
            "location": location + "manifest.json",
            "issuer": [{"name": c["owner"]}],
            "description": f"{c['description']['zh']} / {c['description']['en']}",
        },
        "provenance": {
            "source": location + "manifest.json#lineage",
            "origin-geography": geography,
            "date": release["created"],
            "generation-period": {"start": totals["first_event"], "end": totals["last_event"]},
            "generation-method": [
                {"code": "sensor", "description": "Machine readings from edge gateways"},
            ],
            "format": ["application/vnd.apache.parquet"],
        },
        "use": _use(manifest),
    }


def _use(manifest: dict[str, Any]) -> dict[str, Any]:
    masking, c = manifest["masking"], manifest["contract"]
    return {
        "classification": [
            {
                "regulation": {
                    "code": c["security_level"],
                    "system": "GB/T 43697-2024",
                    "description": "core / important / general data grading of the contract",
                },
                "evaluated": True,
            }
        ],
        "privacy-indicators": [
            {"tool": {"code": code, "description": method}, "parameters": ", ".join(fields)}
            for code, method, fields in (
                ("pseudonymization", masking["method"], masking["pseudonymised"]),
                ("suppression", "field dropped from the release", masking["dropped"]),
            )
            if fields
        ],
        "license": manifest["release"]["licence"],
        "intended-purpose": [
            {
                "code": "AI-training",
                "description": f"model training at a pilot base ({c['scenario']})",
            }
        ],
    }
