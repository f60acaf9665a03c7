"""Top quarantine reasons of a release window, with example rows safe to show (pure).

A quarantined row belongs to the window when its event date (UTC) lies in it; a row
whose event time is missing cannot be placed, so it counts when it came from one of the
release's segments (``undated``). Reasons are grouped by rule: a row failing two rules
counts once under each. Example rows never show a restricted value (L3 or personal):
the value is replaced, and so is every copy of it inside the row's reason text
(``schemas.masked`` and ``schemas.masked_text``, which Data Docs use too).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from assay.store import layout
from schemas import MASK, masked, masked_text

__all__ = ["MASK", "event_date", "quarantine_figures", "restricted_fields", "rule_fields"]
TOP_RULES = 8
EXAMPLES = 3
BASIS = (
    "quarantined rows of the contract's major version whose event date (UTC) lies in the "
    "release window, plus undated rows of the release's segments"
)


def quarantine_figures(
    tables: dict[str, pa.Table], manifest: dict[str, Any], event_time: str
) -> dict[str, Any]:
    """Rows quarantined in the window, by rule, with masked examples."""
    window = (manifest["window"]["from"], manifest["window"]["to"])
    # Compared as segments, not stems: the store may have renamed them since the release.
    segments = {layout.Segment.parse(s["stem"]) for s in manifest["lineage"]["segments"]}
    rows = [
        (key, row)
        for key, table in sorted(tables.items())
        for row in table.to_pylist()
        if _in_window(row.get(event_time), window, layout.Segment.parse(key) in segments)
    ]
    restricted = restricted_fields(manifest)
    counts: Counter[str] = Counter(rule for _, row in rows for rule in row["failed_rules"])
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_RULES]
    return {
        "basis": BASIS,
        "rows": len(rows),
        "undated": sum(1 for _, row in rows if event_date(row.get(event_time)) is None),
        "rules": len(counts),
        "by_rule": [
            _reason(rule, n, rows, restricted, event_time, manifest["contract"]["key"])
            for rule, n in top
        ],
    }


def restricted_fields(manifest: dict[str, Any]) -> set[str]:
    """Fields the report must never show: L3 or personal, whatever the release granted."""
    return {f["name"] for f in manifest["fields"] if f["classification"] == "L3" or f["personal"]}


def event_date(value: Any) -> str | None:
    """The UTC date of an event time as stored in quarantine (timestamp or ISO text)."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.tzinfo is None else _utc_date(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return None
    return None


def _utc_date(value: datetime) -> str:
    from datetime import UTC

    return value.astimezone(UTC).date().isoformat()


def _in_window(value: Any, window: tuple[str, str], from_release_segment: bool) -> bool:
    day = event_date(value)
    return from_release_segment if day is None else window[0] <= day <= window[1]


def _reason(
    rule: str,
    count: int,
    rows: list[tuple[str, dict[str, Any]]],
    restricted: set[str],
    event_time: str,
    key: list[str],
) -> dict[str, Any]:
    failing = [(k, r) for k, r in rows if rule in r["failed_rules"]]
    dimension = next(
        d
        for _, r in failing[:1]
        for rr, d in zip(r["failed_rules"], r["failed_dimensions"], strict=True)
        if rr == rule
    )
    columns = list(dict.fromkeys(["site", *key, event_time, *rule_fields(rule)]))
    return {
        "rule": rule,
        "dimension": dimension,
        "rows": count,
        "examples": [_example(k, r, columns, restricted) for k, r in failing[:EXAMPLES]],
    }


def rule_fields(rule: str) -> list[str]:
    """The fields a rule id names: ``kind:field`` or ``kind:a+b``."""
    _, _, fields = rule.partition(":")
    return [f for f in fields.split("+") if f]


def _example(
    key: str, row: dict[str, Any], columns: list[str], restricted: set[str]
) -> dict[str, Any]:
    reason = masked_text(str(row.get("reason", "")), (row.get(c) for c in restricted))
    return {
        "segment": layout.Segment.parse(key).stem,
        "offset": row.get("kafka_offset"),
        "values": {c: _shown(c, row.get(c), restricted) for c in columns if c in row},
        "failed_rules": list(row["failed_rules"]),
        "reason": reason,
    }


def _shown(column: str, value: Any, restricted: set[str]) -> Any:
    if column in restricted:
        return masked(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value
