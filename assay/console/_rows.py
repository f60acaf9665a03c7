"""Quarantine and dead letters: filter, page, and open one row with everything about it.

A quarantined row's page shows its values, each failed rule with its GB/T 36344 dimension
and its reason in both languages, the raw object it came from and its Kafka coordinates.
A dead letter's page shows the record's bytes as a hex dump and as escaped text (never
as markup) with the reason it could not be decoded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from assay.console._auth import Viewer
from assay.console._backend import Backend, Source
from assay.console._query import Filters
from assay.console._render import render
from assay.govern.triage import RowRef, TriageDecision, decisions
from assay.store import layout
from schemas import Contract, QualityDimension, label

router = APIRouter()
Text = Annotated[str, Query(max_length=200)]
# Triage decisions are posted to `assay.console._triage`; a row's page shows those naming it.


@router.get("/quarantine")
def quarantine(
    request: Request,
    backend: Source,
    user: Viewer,
    contract: Text = "",
    rule: Text = "",
    dimension: Text = "",
    site: Text = "",
    device: Text = "",
    since: Text = "",
    until: Text = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Quarantined rows of a contract that pass the filters, a page at a time."""
    spec = _contract(backend, contract)
    filters = Filters(rule, dimension, site, device, _moment(since), _moment(until))
    tables, prefix = backend.tables(), layout.dataset_prefix(spec.name, spec.major)
    columns = [spec.event_time, "site", "device_id", "failed_rules", "reason"]
    page = tables.page(backend.buckets.quarantine, prefix, columns, filters, offset)
    return render(
        request,
        "quarantine.html.j2",
        user,
        contracts=backend.contracts,
        contract=spec,
        filters=filters,
        form={"since": since, "until": until},
        page=page,
        rule_counts=tables.counts(backend.buckets.quarantine, prefix, "failed_rules"),
        dimensions=[(str(d), label(d), label(d, "en")) for d in QualityDimension],
    )


@router.get("/quarantine/row")
def quarantine_row(
    request: Request,
    backend: Source,
    user: Viewer,
    contract: Text,
    key: Text,
    row: Annotated[int, Query(ge=0)],
) -> HTMLResponse:
    """One quarantined row: values, failed rules and reasons, raw object, Kafka coordinates."""
    spec = _contract(backend, contract)
    found = _row(backend, backend.buckets.quarantine, spec, key, row)
    seg = layout.Segment.parse(key)
    rules = _rules(found)
    values = {
        k: v
        for k, v in found.items()
        if k not in ("failed_rules", "failed_dimensions", "reason", "severity")
    }
    return render(
        request,
        "quarantine_row.html.j2",
        user,
        contract=spec,
        key=key,
        row=row,
        values=values,
        rules=rules,
        reason=found.get("reason") or "",
        target={"raw_object": found.get("raw_object"), "offset": found.get("kafka_offset")},
        decisions=_decisions_of(backend, spec, found),
        raw=f"s3://{backend.buckets.raw}/{layout.raw_key(spec.name, spec.major, seg)}",
        kafka={"topic": seg.topic, "partition": found.get("kafka_partition", seg.partition),
               "offset": found.get("kafka_offset"), "index": found.get("kafka_index"),
               "timestamp": found.get("kafka_timestamp")},
    )  # fmt: skip


@router.get("/deadletters")
def deadletters(
    request: Request,
    backend: Source,
    user: Viewer,
    contract: Text = "",
    reason_code: Text = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """Dead letters of a contract, a page at a time, by reason."""
    spec = _contract(backend, contract)
    tables, prefix = backend.tables(), layout.dataset_prefix(spec.name, spec.major)
    columns = ["kafka_timestamp", "partition", "offset", "index", "reason_code", "reason", "value"]
    filters = Filters(reason_code=reason_code)
    page = tables.page(backend.buckets.deadletter, prefix, columns, filters, offset)
    return render(
        request,
        "deadletters.html.j2",
        user,
        contracts=backend.contracts,
        contract=spec,
        filters=filters,
        page=page,
    )


@router.get("/deadletters/row")
def deadletter_row(
    request: Request,
    backend: Source,
    user: Viewer,
    contract: Text,
    key: Text,
    row: Annotated[int, Query(ge=0)],
) -> HTMLResponse:
    """One dead letter: its bytes (hex and escaped text), headers, key and reason."""
    spec = _contract(backend, contract)
    found = _row(backend, backend.buckets.deadletter, spec, key, row)
    return render(
        request, "deadletter_row.html.j2", user, contract=spec, key=key, row=row, letter=found
    )


def _decisions_of(backend: Backend, spec: Contract, row: dict[str, Any]) -> list[TriageDecision]:
    """The triage decisions that name this row (by raw object, offset and index)."""
    ref = RowRef(str(row.get("raw_object")), int(row.get("kafka_offset") or 0),
                 int(row.get("kafka_index") or 0))  # fmt: skip
    return [d for d in decisions(backend.store, backend.buckets.quarantine, spec) if ref in d.rows]


def _contract(backend: Backend, name: str) -> Contract:
    if not name:
        return backend.contracts[0]
    found = backend.contract(name)
    if found is None:
        raise HTTPException(404, f"no contract {name!r}")
    return found


def _row(backend: Backend, bucket: str, contract: Contract, key: str, row: int) -> dict[str, Any]:
    if not key.startswith(layout.dataset_prefix(contract.name, contract.major)):
        raise HTTPException(404, f"{key!r} is not an object of {contract.name}")
    found = backend.tables().row(bucket, key, row)
    if found is None:
        raise HTTPException(404, f"no row {row} in {key!r}")
    return found


def _rules(row: dict[str, Any]) -> list[dict[str, str]]:
    """Each failed rule with its dimension and its own reason in each language.

    The ``reason`` column is the Chinese reasons, `` / ``, then the English ones, each
    starting with its rule id; a rule's reason runs from its id to the next rule's.
    """
    rules = list(row.get("failed_rules") or [])
    dims = list(row.get("failed_dimensions") or [])
    zh_text, _, en_text = str(row.get("reason") or "").partition(" / ")
    zh, en = _pieces(zh_text, rules), _pieces(en_text, rules)
    found = []
    for i, rule in enumerate(rules):
        dim = dims[i] if i < len(dims) else ""
        found.append({
            "rule": rule,
            "dimension": dim,
            "dimension_zh": _label(dim, "zh"),
            "dimension_en": _label(dim, "en"),
            "zh": zh.get(rule, ""),
            "en": en.get(rule, ""),
        })  # fmt: skip
    return found


def _pieces(text: str, rules: list[str]) -> dict[str, str]:
    starts = sorted((text.find(rule), rule) for rule in set(rules) if rule in text)
    ends = [at for at, _ in starts[1:]] + [len(text)] * bool(starts)
    return {
        rule: text[at + len(rule) : end].strip(" ；;:：")
        for (at, rule), end in zip(starts, ends, strict=True)
    }


def _label(dimension: str, lang: str) -> str:
    try:
        return label(QualityDimension(dimension), lang)
    except ValueError:
        return dimension


def _moment(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise HTTPException(422, f"{text!r} is not a date or time (YYYY-MM-DD[THH:MM])") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
