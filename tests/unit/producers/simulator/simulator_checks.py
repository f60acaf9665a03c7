"""A small model of what the pipeline must do with simulated messages, as pure checkers.

``judge(lines, contract)`` decodes message values like the landing step (undecodable ->
dead letter, a wrong JSON type -> dead letter, a repeated (producer_id, seq) -> dropped),
then applies the contract's row and stream rules and returns, per rule id, the identities
``(device_id, event_time)`` of the rows it flags.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas import Contract, parse_duration

FUTURE_TOLERANCE_S = 60.0
ERROR_RULES = ("range", "not_null", "monotonic", "future")
Identity = tuple[str, str]
_JSON_TYPES = {"float64": (int, float), "int64": (int,), "string": (str,), "enum": (str,),
               "bool": (bool,), "float64_list": (list,), "binary_ref": (dict,)}  # fmt: skip


@dataclass
class Judgement:
    """What the pipeline model made of one contract's messages."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    dead: dict[str, list[Identity | None]] = field(default_factory=lambda: defaultdict(list))
    duplicates: int = 0
    flagged: dict[str, set[Identity]] = field(default_factory=lambda: defaultdict(set))

    def rows_with(self, prefixes: tuple[str, ...]) -> set[Identity]:
        """Identities flagged by any rule whose kind is in ``prefixes``."""
        return {
            i for rule, ids in self.flagged.items() if rule.split(":")[0] in prefixes for i in ids
        }


def identity(doc: dict[str, Any]) -> Identity:
    """A reading's identity in the ground truth."""
    return doc["device_id"], doc["event_time"]


def seconds(text: str) -> float:
    """An RFC 3339 ``Z`` timestamp as epoch seconds."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def wrong_types(doc: dict[str, Any], contract: Contract) -> list[str]:
    """Fields whose JSON value has the wrong type for the contract."""
    bad = []
    for name, spec in contract.fields.items():
        value = doc.get(name)
        ok = _JSON_TYPES.get(spec.type, (object,))
        if value is not None and (
            not isinstance(value, ok) or (spec.type != "bool" and isinstance(value, bool))
        ):
            bad.append(name)
    return bad


def judge(lines: list[bytes], contract: Contract) -> Judgement:
    """Decode, deduplicate and check every message of one contract."""
    out, seen = Judgement(), set()
    for line in lines:
        try:
            doc = json.loads(line)
        except ValueError:  # UnicodeDecodeError is a ValueError
            out.dead["invalid_json"].append(None)
            continue
        if wrong_types(doc, contract):
            out.dead["type_mismatch"].append(identity(doc))
            continue
        key = (doc["producer_id"], doc["seq"])
        if key in seen:
            out.duplicates += 1
            continue
        seen.add(key)
        out.rows.append(doc)
    _row_rules(out, contract)
    _stream_rules(out, contract)
    return out


def _row_rules(out: Judgement, contract: Contract) -> None:
    fresh = parse_duration(contract.freshness).total_seconds() if contract.freshness else None
    for doc in out.rows:
        for name, spec in contract.fields.items():
            value = doc.get(name)
            if value is None and not spec.nullable:
                out.flagged[f"not_null:{name}"].add(identity(doc))
            if (
                isinstance(value, (int, float))
                and not isinstance(value, bool)
                and _outside(value, spec)
            ):
                out.flagged[f"range:{name}"].add(identity(doc))
        lag = seconds(doc["ingest_time"]) - seconds(doc["event_time"])
        if fresh is not None and lag > fresh:
            out.flagged["freshness:event_time"].add(identity(doc))
        if -lag > FUTURE_TOLERANCE_S:
            out.flagged["future:event_time"].add(identity(doc))


def _outside(value: float, spec: Any) -> bool:
    return (spec.min is not None and value < spec.min) or (
        spec.max is not None and value > spec.max
    )


def _stream_rules(out: Judgement, contract: Contract) -> None:
    by_device: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in out.rows:
        by_device[doc["device_id"]].append(doc)
    for docs in by_device.values():
        docs.sort(key=lambda d: d["event_time"])
        for name, spec in contract.fields.items():
            if spec.monotonic_per:
                out.flagged[f"monotonic:{name}"] |= monotonic_breaks(docs, name, spec.reset_below)
            if spec.stuck_after:
                out.flagged[f"stuck:{name}"] |= stuck_rows(docs, name, spec.stuck_after)
            if spec.max_gap:
                limit = parse_duration(spec.max_gap).total_seconds()
                out.flagged[f"max_gap:{name}"] |= gap_rows(docs, name, limit)


def monotonic_breaks(
    docs: list[dict[str, Any]], name: str, reset_below: float | None
) -> set[Identity]:
    """Rows whose counter fell below its predecessor without dropping near zero."""
    flagged, before = set(), None
    for doc in docs:
        value = doc.get(name)
        if value is None:
            continue
        if before is not None and value < before and (reset_below is None or value > reset_below):
            flagged.add(identity(doc))
        before = value
    return flagged


def stuck_rows(docs: list[dict[str, Any]], name: str, count: int) -> set[Identity]:
    """Every row of a run of at least ``count`` equal consecutive values."""
    flagged: set[Identity] = set()
    run: list[dict[str, Any]] = []
    for doc in [*docs, {"_end": True}]:
        if run and doc.get(name) == run[-1].get(name) and "_end" not in doc:
            run.append(doc)
            continue
        if len(run) >= count:
            flagged |= {identity(d) for d in run}
        run = [doc]
    return flagged


def gap_rows(docs: list[dict[str, Any]], name: str, limit_s: float) -> set[Identity]:
    """Rows that come more than ``limit_s`` after the previous non-null value."""
    flagged, before = set(), None
    for doc in docs:
        if doc.get(name) is None:
            continue
        now = seconds(doc["event_time"])
        if before is not None and now - before > limit_s:
            flagged.add(identity(doc))
        before = now
    return flagged


def truth_identities(entry: dict[str, Any], docs_by_device: dict[str, list[str]]) -> set[Identity]:
    """The identities a ground-truth fault entry covers (a stuck run: every row of it)."""
    if "event_time" in entry:
        return {(entry["device_id"], entry["event_time"])}
    times = docs_by_device[entry["device_id"]]
    return {(entry["device_id"], t) for t in times if entry["first"] <= t <= entry["last"]}
