"""Every number of a readiness report, computed from its inputs by pure functions.

`readiness_figures` returns plain JSON data (format ``assay.readiness/1``), stored beside
the report as ``readiness.json``; the HTML and PDF are rendered from it and from nothing
else, so whoever holds the release and the reports bucket can recompute each number::

    release    contract, version, created, licence, window, title, ..., manifest_sha256
    totals     rows, files, bytes, sites, devices, days, first_event, last_event
    volume     [{date, rows, sites: {site: rows}}]           rows per event date (UTC)
    coverage   sites: [{site, rows, devices, days, first_date, last_date}]
               devices: [{site, device, rows, days, first_date, last_date}]
    quality    the segments' accounting, six GB/T 36344 dimensions with their rules
               ({rule, kind, severity, checked, failed}) and a trend per segment
    quarantine rows in the window, by rule, with masked examples (see `_quarantine`)
    fields     per field: type, unit, classification, personal, treatment; counts
    lineage    producers, topics/partitions with offset ranges, segments -> release files
    checksums  manifest sha256, data files and documents with sha256
    organisation  enterprise, steward and sites as configured (null when not set)
    provenance the release's runs found in the OpenLineage events (``provenance.jsonld``)
    standards  per standard the clauses evidenced, their evidence and status (`_standards`)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from assay.govern.readiness._inputs import Inputs, RuleCheck
from assay.govern.readiness._ledger import ledger_figures
from assay.govern.readiness._prov import prov_summary, release_prov
from assay.govern.readiness._quarantine import quarantine_figures
from assay.govern.readiness._standards import standards_map
from assay.govern.releases._quality import quality_summary
from assay.pipeline.validate.curation import Summary
from assay.store import layout

FORMAT = "assay.readiness/1"
_COUNTS = ("readings", "curated", "quarantined", "duplicates", "dead_readings")


def readiness_figures(
    inputs: Inputs, organisation: Organisation | None = None, prov: dict[str, Any] | None = None
) -> dict[str, Any]:
    """All figures of one release's readiness report; ``prov`` is its `release_prov`."""
    figures = release_figures(inputs)
    org = organisation or Organisation()
    return figures | {
        "organisation": org.figures(figures["coverage"]["sites"]),
        "provenance": prov_summary(prov or release_prov(inputs.manifest, [])),
        "standards": standards_map(figures, inputs.manifest),
    }


@dataclass(frozen=True)
class Organisation:
    """Who the report names: the enterprise, its responsible steward and its sites."""

    enterprise: str = ""
    steward: str = ""
    sites: dict[str, str] = field(default_factory=dict)  # site id -> name and address

    def figures(self, covered: list[dict[str, Any]]) -> dict[str, Any]:
        """The configured names; every site with rows, named or not (null when not set)."""
        rows = {s["site"]: s["rows"] for s in covered}
        return {
            "enterprise": self.enterprise or None,
            "steward": self.steward or None,
            "sites": [
                {"site": site, "name": self.sites.get(site), "rows": rows.get(site, 0)}
                for site in sorted(set(rows) | set(self.sites))
            ],
        }


def release_figures(inputs: Inputs) -> dict[str, Any]:
    """The figures computed from the release alone."""
    m = inputs.manifest
    rows = _rows(inputs.data, m["contract"]["event_time"])
    return {
        "format": FORMAT,
        "release": _release(m, inputs.manifest_sha256),
        "totals": _totals(m, rows),
        "volume": volume(rows),
        "coverage": coverage(rows),
        "quality": quality(inputs),
        "quarantine": quarantine_figures(inputs.quarantine, m, m["contract"]["event_time"]),
        "fields": _fields(m),
        "lineage": lineage(inputs, rows),
        "ledger": ledger_figures(m),
        "checksums": {
            "manifest": inputs.manifest_sha256,
            "files": [
                {k: f[k] for k in ("path", "sha256", "size", "rows", "date", "site")}
                for f in m["files"]
            ],
            "documents": m["documents"],
        },
    }


def _release(m: dict[str, Any], manifest_sha256: str) -> dict[str, Any]:
    c = m["contract"]
    return {
        **{k: m["release"][k] for k in ("contract", "version", "created", "licence")},
        "window": m["window"],
        "title": c["title"],
        "description": c["description"],
        "scenario": c["scenario"],
        "security_level": c["security_level"],
        "owner": c["owner"],
        "contract_version": c["version"],
        "manifest_sha256": manifest_sha256,
    }


def _rows(data: dict[str, pa.Table], event_time: str) -> list[tuple[str, str, str, str]]:
    """(file path, date, site, device) for every released row."""
    found = []
    for path, table in sorted(data.items()):
        times = table[event_time].to_pylist() if event_time in table.column_names else []
        for site, device, moment in zip(
            table["site"].to_pylist(), table["device_id"].to_pylist(), times, strict=True
        ):
            found.append((path, _date(moment), site, device))
    return found


def _date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date().isoformat()


def _totals(m: dict[str, Any], rows: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    t = m["totals"]
    return {
        "rows": len(rows),
        "files": len(m["files"]),
        "bytes": sum(f["size"] for f in m["files"]),
        "sites": len({r[2] for r in rows}),
        "devices": len({(r[2], r[3]) for r in rows}),
        "days": len({r[1] for r in rows}),
        "first_event": t["first_event"],
        "last_event": t["last_event"],
    }


def volume(rows: list[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    """Released rows per event date, and per site on each date."""
    by_date: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, day, site, _ in rows:
        by_date[day][site] += 1
    return [
        {"date": day, "rows": sum(sites.values()), "sites": dict(sorted(sites.items()))}
        for day, sites in sorted(by_date.items())
    ]


def coverage(rows: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    """Rows, devices and days per site, and rows and days per device."""
    sites: dict[str, list[tuple[str, str]]] = defaultdict(list)
    devices: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _, day, site, device in rows:
        sites[site].append((day, device))
        devices[(site, device)].append(day)
    return {
        "sites": [
            {
                "site": s,
                "rows": len(v),
                "devices": len({d for _, d in v}),
                **_days([d for d, _ in v]),
            }
            for s, v in sorted(sites.items())
        ],
        "devices": [
            {"site": s, "device": d, "rows": len(v), **_days(v)}
            for (s, d), v in sorted(devices.items())
        ],
    }


def _days(days: list[str]) -> dict[str, Any]:
    return {"days": len(set(days)), "first_date": min(days), "last_date": max(days)}


def quality(inputs: Inputs) -> dict[str, Any]:
    """The segments' accounting and the six dimension scores, with rules and a trend.

    The totals are the release's own (`quality_summary`), recomputed from the summaries;
    the report adds each dimension's rules and the per-segment trend.
    """
    summaries = [inputs.summaries[s] for s in sorted(inputs.summaries)]
    totals = quality_summary(summaries)
    for dimension in totals["dimensions"]:
        dimension["rules"] = _rules(dimension["dimension"], summaries, inputs.rule_checks)
    return {**totals, "basis": inputs.manifest["quality"]["basis"], "trend": trend(summaries)}


def _scores(summary: Summary) -> list[dict[str, Any]]:
    return list(summary.scores.get("dimensions", ()))


def _rules(
    dimension: str, summaries: list[Summary], checks: dict[str, list[RuleCheck]]
) -> list[dict[str, Any]]:
    """Each rule of a dimension: rows checked (validation results) and failed (summaries)."""
    rules: dict[str, dict[str, Any]] = {}
    for s in summaries:
        for check in checks.get(s.segment, ()):
            if check.dimension != dimension:
                continue
            rule = rules.setdefault(
                check.rule,
                {
                    "rule": check.rule,
                    "kind": check.kind,
                    "severity": check.severity,
                    "checked": 0,
                    "failed": 0,
                },
            )
            rule["checked"] += check.checked
            rule["failed"] += int(s.by_rule.get(check.rule, 0))
    return list(rules.values())


def trend(summaries: list[Summary]) -> list[dict[str, Any]]:
    """Each segment's dimension scores, segments ordered by first curated date then offset."""
    ordered = sorted(summaries, key=_segment_order)
    return [
        {
            "segment": s.segment,
            "label": _segment_label(s),
            "first_date": _first_date(s),
            "scores": {str(d["dimension"]): d["score"] for d in _scores(s)},
        }
        for s in ordered
    ]


def _first_date(summary: Summary) -> str:
    dates = [layout.curated_partition(k).get("date") for k in summary.curated_keys]
    return min((d for d in dates if d), default="")


def _segment_order(summary: Summary) -> tuple[str, int, int]:
    seg = layout.Segment.parse(summary.segment)
    return _first_date(summary), seg.partition, seg.start


def _segment_label(summary: Summary) -> str:
    seg = layout.Segment.parse(summary.segment)
    return f"p{seg.partition}@{seg.start}"


def _fields(m: dict[str, Any]) -> dict[str, Any]:
    fields = [
        {k: f[k] for k in ("name", "type", "unit", "classification", "personal", "treatment")}
        | {"description": f["description"]}
        for f in m["fields"]
    ]
    return {
        "fields": fields,
        "by_classification": _count(f["classification"] for f in fields),
        "by_treatment": _count(f["treatment"] for f in fields),
        "personal": sum(1 for f in fields if f["personal"]),
        "masking": m["masking"],
    }


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for v in values:
        counts[v] += 1
    return dict(sorted(counts.items()))


def lineage(inputs: Inputs, rows: list[tuple[str, str, str, str]]) -> dict[str, Any]:
    """Producers and topics -> raw segments (offset ranges) -> curated objects -> release files."""
    m = inputs.manifest
    feeds: dict[str, list[str]] = defaultdict(list)
    for f in m["files"]:
        for source in f["sources"]:
            feeds[layout.Segment.parse(source).stem].append(f["path"])
    segments = [
        _segment(s, inputs.summaries.get(s["stem"]), feeds) for s in m["lineage"]["segments"]
    ]
    return {
        "producers": _producers(inputs.data),
        "topics": _topics(segments),
        "segments": segments,
        "curated_bucket": m["lineage"]["curated_bucket"],
        "raw_bucket": m["lineage"]["raw_bucket"],
        "curated_objects": len({s for f in m["files"] for s in f["sources"]}),
        "release_files": len(m["files"]),
    }


def _segment(
    entry: dict[str, Any], summary: Summary | None, feeds: dict[str, list[str]]
) -> dict[str, Any]:
    counts = {name: getattr(summary, name) if summary else None for name in _COUNTS}
    return {
        **{k: entry[k] for k in ("stem", "topic", "partition", "start_offset", "end_offset")},
        "raw_key": entry["raw_key"],
        **counts,
        "release_files": sorted(set(feeds.get(entry["stem"], ()))),
    }


def _topics(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for s in segments:
        groups[(s["topic"], s["partition"])].append(s)
    return [
        {
            "topic": topic,
            "partition": partition,
            "segments": len(group),
            "first_offset": _least([s["start_offset"] for s in group]),
            "end_offset": _most([s["end_offset"] for s in group]),
        }
        for (topic, partition), group in sorted(groups.items())
    ]


def _least(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return min(known) if known else None


def _most(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _producers(data: dict[str, pa.Table]) -> list[dict[str, Any]]:
    """Released rows per producer and site (empty when producer_id is not released)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for table in data.values():
        if "producer_id" not in table.column_names:
            continue
        for producer, site in zip(
            table["producer_id"].to_pylist(), table["site"].to_pylist(), strict=True
        ):
            counts[(str(producer), site)] += 1
    return [{"producer_id": p, "site": s, "rows": n} for (p, s), n in sorted(counts.items())]
