"""The lineage graph read back from stored events: topic -> raw -> curated/quarantine -> release."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Edge:
    """One job's step from an input dataset to an output, over all its completed runs."""

    job: str
    source: str
    target: str
    runs: int
    rows: int


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every stored event, skipping lines that are not JSON (a torn write, a foreign line)."""
    if not path.is_file():
        return []
    found = []
    for line in path.read_text().splitlines():
        try:
            found.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return found


def lineage_edges(events: Iterable[Mapping[str, Any]], contract: str | None = None) -> list[Edge]:
    """Edges from the last COMPLETE event of each run, optionally of one contract's jobs."""
    runs: dict[str, Mapping[str, Any]] = {}
    for event in events:
        job = event.get("job", {}).get("name", "")
        if event.get("eventType") != "COMPLETE" or (contract and not job.endswith(f".{contract}")):
            continue
        runs[event["run"]["runId"]] = event
    totals: dict[tuple[str, str, str], list[int]] = {}
    for event in runs.values():
        for source in event.get("inputs", []):
            for target in event.get("outputs", []):
                key = (event["job"]["name"], _uri(source), _uri(target))
                stats = target.get("outputFacets", {}).get("outputStatistics", {})
                acc = totals.setdefault(key, [0, 0])
                acc[0] += 1
                acc[1] += int(stats.get("rowCount") or 0)
    return [Edge(j, s, t, r, n) for (j, s, t), (r, n) in sorted(totals.items(), key=_stage)]


def _uri(dataset: Mapping[str, Any]) -> str:
    return f"{dataset['namespace']}/{dataset['name']}"


_STAGES = ("ingest", "validate", "release")


def _stage(item: tuple[tuple[str, str, str], list[int]]) -> tuple[str, int, str, str]:
    job, source, target = item[0]
    kind, _, contract = job.partition(".")
    return (contract, _STAGES.index(kind) if kind in _STAGES else 9, source, target)


def render(edges: Sequence[Edge]) -> list[str]:
    """The graph as text: per contract, each source with the job and what it fed."""
    lines: list[str] = []
    contract, source = "", ""
    for edge in edges:
        name = edge.job.partition(".")[2]
        if name != contract:
            contract, source = name, ""
            lines.append(name)
        if edge.source != source:
            source = edge.source
            lines.append(f"  {source}")
        lines.append(f"    └─ {edge.job} ({edge.runs} runs) → {edge.target}  {edge.rows:,} rows")
    return lines
