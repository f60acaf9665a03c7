"""Recompute every number of readiness.json straight from the stored objects, and compare.

Nothing here calls the readiness package's computations: the release's Parquet files are
read with pyarrow and counted with `collections.Counter`, the reports and quarantine
objects are parsed as JSON and Parquet, offsets come from the raw objects' metadata.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter, defaultdict
from datetime import UTC
from typing import Any

import pyarrow.parquet as pq
import pytest

from assay.govern.readiness import Buckets, load_inputs, readiness_figures
from assay.store.objects import MemoryStore

from .conftest import BUCKETS, QUARANTINE

PREFIX = "process_params/1.0.0/"


@pytest.fixture(scope="module")
def figures(released_store: MemoryStore) -> dict[str, Any]:
    sources = Buckets(releases=BUCKETS.releases, reports=BUCKETS.reports, quarantine=QUARANTINE)
    return json.loads(
        json.dumps(
            readiness_figures(load_inputs(released_store, sources, "process_params", "1.0.0"))
        )
    )


@pytest.fixture(scope="module")
def manifest(released_store: MemoryStore) -> dict[str, Any]:
    return json.loads(released_store.get(BUCKETS.releases, PREFIX + "manifest.json"))


@pytest.fixture(scope="module")
def rows(released_store: MemoryStore, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every released row: its file, date (UTC), site, device and producer."""
    found = []
    for f in manifest["files"]:
        data = released_store.get(BUCKETS.releases, PREFIX + f["path"])
        for row in pq.read_table(io.BytesIO(data)).to_pylist():
            day = row["event_time"].astimezone(UTC).date().isoformat()
            found.append(
                {
                    "file": f["path"],
                    "date": day,
                    "site": row["site"],
                    "device": row["device_id"],
                    "producer": row["producer_id"],
                }
            )
    return found


def test_totals(
    figures: dict[str, Any], rows: list[dict[str, Any]], manifest: dict[str, Any]
) -> None:
    assert figures["totals"] == {
        "rows": len(rows),
        "files": len(manifest["files"]),
        "bytes": sum(f["size"] for f in manifest["files"]),
        "sites": len({r["site"] for r in rows}),
        "devices": len({(r["site"], r["device"]) for r in rows}),
        "days": len({r["date"] for r in rows}),
        "first_event": manifest["totals"]["first_event"],
        "last_event": manifest["totals"]["last_event"],
    }
    # and the release agrees with its own data
    assert len(rows) == manifest["totals"]["rows"] == sum(f["rows"] for f in manifest["files"])


def test_volume(
    figures: dict[str, Any], rows: list[dict[str, Any]], manifest: dict[str, Any]
) -> None:
    per = Counter((r["date"], r["site"]) for r in rows)
    days = sorted({d for d, _ in per})
    expected = [
        {
            "date": d,
            "rows": sum(n for (dd, _), n in per.items() if dd == d),
            "sites": {s: n for (dd, s), n in sorted(per.items()) if dd == d},
        }
        for d in days
    ]
    assert figures["volume"] == expected
    by_manifest = Counter()
    for f in manifest["files"]:
        by_manifest[f["date"]] += f["rows"]
    assert {v["date"]: v["rows"] for v in figures["volume"]} == dict(by_manifest)


def test_coverage(figures: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    def span(subset: list[dict[str, Any]]) -> dict[str, Any]:
        dates = [r["date"] for r in subset]
        return {"days": len(set(dates)), "first_date": min(dates), "last_date": max(dates)}

    sites = sorted({r["site"] for r in rows})
    devices = sorted({(r["site"], r["device"]) for r in rows})
    assert figures["coverage"]["sites"] == [
        {
            "site": s,
            "rows": sum(r["site"] == s for r in rows),
            "devices": len({r["device"] for r in rows if r["site"] == s}),
            **span([r for r in rows if r["site"] == s]),
        }
        for s in sites
    ]
    assert figures["coverage"]["devices"] == [
        {
            "site": s,
            "device": d,
            "rows": sum((r["site"], r["device"]) == (s, d) for r in rows),
            **span([r for r in rows if (r["site"], r["device"]) == (s, d)]),
        }
        for s, d in devices
    ]


def _summaries(store: MemoryStore, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        e["segment"]: json.loads(store.get(e["bucket"], e["prefix"] + "summary.json"))
        for e in manifest["reports"]
    }


def test_quality_accounting_and_scores(
    figures: dict[str, Any], released_store: MemoryStore, manifest: dict[str, Any]
) -> None:
    summaries = _summaries(released_store, manifest)
    q = figures["quality"]
    assert q["segments"] == len(summaries)
    for name in ("readings", "curated", "quarantined", "duplicates", "dead_readings"):
        assert q[name] == sum(s[name] for s in summaries.values()), name
    checked = passed = 0
    for dim in q["dimensions"]:
        found = [
            d
            for s in summaries.values()
            for d in s["scores"]["dimensions"]
            if d["dimension"] == dim["dimension"]
        ]
        c, p = sum(d["checked"] for d in found), sum(d["passed"] for d in found)
        assert (dim["checked"], dim["passed"], dim["failed"]) == (c, p, c - p)
        assert dim["score"] == (round(p / c, 6) if c else None)
        checked, passed = checked + c, passed + p
    assert (q["checked"], q["passed"]) == (checked, passed)
    assert q["score"] == round(passed / checked, 6)
    # the release package computed the same dimensions into the manifest
    ours = [{k: v for k, v in d.items() if k != "rules"} for d in q["dimensions"]]
    assert ours == manifest["quality"]["dimensions"]


def test_rules_behind_each_score(
    figures: dict[str, Any], released_store: MemoryStore, manifest: dict[str, Any]
) -> None:
    summaries = _summaries(released_store, manifest)
    checked: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    dimension_of = {}
    for e in manifest["reports"]:
        result = json.loads(released_store.get(e["bucket"], e["prefix"] + "validation.json"))
        for item in result["results"]:
            meta, stats = item["expectation_config"]["meta"], item["result"]
            checked[meta["rule_id"]] += stats["element_count"] - (stats.get("missing_count") or 0)
            dimension_of[meta["rule_id"]] = meta["dimension"]
        for rule, n in summaries[e["segment"]]["by_rule"].items():
            failed[rule] += n
    seen = set()
    for dim in figures["quality"]["dimensions"]:
        for rule in dim["rules"]:
            assert dimension_of[rule["rule"]] == dim["dimension"]
            assert (rule["checked"], rule["failed"]) == (
                checked[rule["rule"]],
                failed[rule["rule"]],
            )
            seen.add(rule["rule"])
        # the rules add up to their dimension's score
        assert sum(r["failed"] for r in dim["rules"]) == dim["failed"]
    assert seen == set(checked)


def test_trend_per_segment(
    figures: dict[str, Any], released_store: MemoryStore, manifest: dict[str, Any]
) -> None:
    summaries = _summaries(released_store, manifest)
    trend = {t["segment"]: t["scores"] for t in figures["quality"]["trend"]}
    assert trend == {
        stem: {d["dimension"]: d["score"] for d in s["scores"]["dimensions"]}
        for stem, s in summaries.items()
    }


def test_quarantine_in_the_window(
    figures: dict[str, Any], released_store: MemoryStore, manifest: dict[str, Any]
) -> None:
    low, high = manifest["window"]["from"], manifest["window"]["to"]
    counts: Counter[str] = Counter()
    offsets: dict[str, list[int]] = defaultdict(list)
    total = 0
    for key in released_store.keys(QUARANTINE, "process_params/v1/"):
        table = pq.read_table(io.BytesIO(released_store.get(QUARANTINE, key)))
        for row in table.to_pylist():
            day = row["event_time"].astimezone(UTC).date().isoformat()
            if low <= day <= high:
                total += 1
                counts.update(row["failed_rules"])
                for rule in row["failed_rules"]:
                    offsets[rule].append(row["kafka_offset"])
    q = figures["quarantine"]
    assert (q["rows"], q["undated"], q["rules"]) == (total, 0, len(counts))
    assert total < manifest["quality"]["quarantined"]  # the third day is outside the window
    assert [(r["rule"], r["rows"]) for r in q["by_rule"]] == sorted(
        counts.items(), key=lambda kv: (-kv[1], kv[0])
    )
    for r in q["by_rule"]:
        assert [e["offset"] for e in r["examples"]] == offsets[r["rule"]][:3]


def test_fields_and_masking(figures: dict[str, Any], manifest: dict[str, Any]) -> None:
    f = figures["fields"]
    assert [x["name"] for x in f["fields"]] == [x["name"] for x in manifest["fields"]]
    for ours, theirs in zip(f["fields"], manifest["fields"], strict=True):
        assert all(ours[k] == theirs[k] for k in ("classification", "personal", "treatment"))
    assert f["by_classification"] == dict(
        sorted(Counter(x["classification"] for x in manifest["fields"]).items())
    )
    assert f["by_treatment"] == dict(
        sorted(Counter(x["treatment"] for x in manifest["fields"]).items())
    )
    assert f["personal"] == sum(x["personal"] for x in manifest["fields"])
    assert f["masking"] == manifest["masking"]


def test_lineage_offsets_from_the_raw_objects(
    figures: dict[str, Any],
    released_store: MemoryStore,
    rows: list[dict[str, Any]],
    manifest: dict[str, Any],
) -> None:
    lineage = figures["lineage"]
    summaries = _summaries(released_store, manifest)
    for seg in lineage["segments"]:
        meta = released_store.head(BUCKETS.raw, seg["raw_key"])
        assert meta is not None
        assert (seg["start_offset"], seg["end_offset"]) == (
            int(meta["start-offset"]),
            int(meta["end-offset"]),
        )
        assert seg["readings"] == summaries[seg["stem"]]["readings"]
        fed = {f["path"] for f in manifest["files"] if any(seg["stem"] in s for s in f["sources"])}
        assert seg["release_files"] == sorted(fed)
    per_producer = Counter((r["producer"], r["site"]) for r in rows)
    assert [(p["producer_id"], p["site"], p["rows"]) for p in lineage["producers"]] == sorted(
        (p, s, n) for (p, s), n in per_producer.items()
    )
    for topic in lineage["topics"]:
        mine = [s for s in lineage["segments"] if s["partition"] == topic["partition"]]
        assert topic["segments"] == len(mine)
        assert topic["first_offset"] == min(s["start_offset"] for s in mine)
        assert topic["end_offset"] == max(s["end_offset"] for s in mine)
    assert lineage["curated_objects"] == len({s for f in manifest["files"] for s in f["sources"]})


def test_checksums_of_the_stored_objects(
    figures: dict[str, Any], released_store: MemoryStore
) -> None:
    def digest(path: str) -> str:
        return hashlib.sha256(released_store.get(BUCKETS.releases, PREFIX + path)).hexdigest()

    c = figures["checksums"]
    assert c["manifest"] == digest("manifest.json") == figures["release"]["manifest_sha256"]
    for f in c["files"] + c["documents"]:
        assert f["sha256"] == digest(f["path"])
        assert f["size"] == len(released_store.get(BUCKETS.releases, PREFIX + f["path"]))
    for f in c["files"]:
        data = released_store.get(BUCKETS.releases, PREFIX + f["path"])
        assert f["rows"] == pq.read_metadata(io.BytesIO(data)).num_rows
