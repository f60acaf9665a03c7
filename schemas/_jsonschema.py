"""Contract -> JSON Schema (draft 2020-12) for one reading.

JSON encoding of a reading, kept consistent with the Arrow side:

- timestamp: an RFC 3339 string in UTC with a ``Z`` suffix and at most as many
  fraction digits as the field's precision holds (3 for ms, 6 for us), e.g.
  ``"2025-03-01T08:00:00.125Z"``. No offsets, no epoch numbers: one spelling,
  readable in a dead-letter row, exact at the stored precision.
- date: ``"YYYY-MM-DD"``.
- binary_ref: ``{"uri": "s3://bucket/key", "sha256": "<64 lowercase hex>"}``.
- float64_list: an array of numbers.
- nullable fields may be ``null`` or absent; all others are required.
- unknown properties are rejected (``additionalProperties: false``).
- every ``pattern`` matches the whole value (see ``schemas._pattern``): JSON Schema
  validators search, and Python's ``$`` also matches before a trailing newline.

A contract may choose otherwise for sources it does not control:
``event_time_encoding: epoch_*`` makes the event time a number, ``timezone``
lets timestamps omit the ``Z`` (local times of that zone), and
``unknown_fields: drop`` allows unknown properties (the decoder drops them).

Two forms: ``strict`` (above, what assay's edge sends) and ``accepted``, what the pipeline
takes from any producer: ``ingest_time`` may be left out (the pipeline fills it from the
Kafka record's timestamp) and a timestamp may carry any UTC offset (``+08:00``), which the
decoder converts to UTC. Third-party producers validate against the accepted form.
"""

from __future__ import annotations

from typing import Any, Literal

from schemas._envelope import all_fields
from schemas._model import Contract, FieldSpec
from schemas._pattern import whole_value_pattern
from schemas._topic import topic_name

__all__ = ["Form", "timestamp_pattern", "to_json_schema"]

Form = Literal["strict", "accepted"]
FILLED_BY_PIPELINE = ("ingest_time",)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_DATE_VALUE = whole_value_pattern(_DATE)
_SHA256 = whole_value_pattern("[0-9a-f]{64}")
_URI = whole_value_pattern(r"(s3|https?|file)://[^\s]+")


def timestamp_pattern(precision: str = "ms", local: bool = False, offsets: bool = False) -> str:
    """The regular expression a JSON timestamp of that precision must match as a whole
    (``local``: the ``Z`` may be left out, for a contract that declares its source's timezone;
    ``offsets``: ``+08:00`` and the like are accepted beside ``Z``)."""
    digits = 3 if precision == "ms" else 6
    zone = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])" if offsets else "Z"
    return whole_value_pattern(
        rf"{_DATE}T{_TIME}(\.[0-9]{{1,{digits}}})?{zone}{'?' if local else ''}"
    )


def to_json_schema(contract: Contract, form: Form = "strict") -> dict[str, Any]:
    """Compile a contract (envelope included) to a JSON Schema for one reading, in the
    ``strict`` form assay's edge sends or the ``accepted`` form the pipeline takes."""
    fields = all_fields(contract)
    accepted = form == "accepted"
    optional = FILLED_BY_PIPELINE if accepted else ()
    return {
        "$schema": DRAFT,
        "$id": f"urn:assay:contract:{contract.name}:{contract.version}",
        "title": f"{contract.title.zh} / {contract.title.en}",
        "description": contract.description.en,
        "x-topic": topic_name(contract),
        "type": "object",
        "properties": {
            name: _property(spec, _time(contract, name, accepted)) for name, spec in fields.items()
        },
        "required": [
            name for name, spec in fields.items() if not spec.nullable and name not in optional
        ],
        "additionalProperties": contract.unknown_fields == "drop",
    }


def _time(contract: Contract, name: str, offsets: bool = False) -> dict[str, Any] | None:
    """A timestamp's value schema where the contract spells time its own way or offsets are
    accepted, else None (the strict type schema)."""
    spec = all_fields(contract)[name]
    if spec.type != "timestamp":
        return None
    if name == contract.event_time and contract.event_time_encoding != "rfc3339":
        return {"type": "number", "x-encoding": contract.event_time_encoding}
    local = contract.timezone is not None
    if not (local or offsets):
        return None
    pattern = timestamp_pattern(spec.precision or "ms", local=local, offsets=offsets)
    schema: dict[str, Any] = {"type": "string", "format": "date-time", "pattern": pattern}
    return {**schema, "x-timezone": contract.timezone} if local else schema


def _property(spec: FieldSpec, value: dict[str, Any] | None = None) -> dict[str, Any]:
    value = value or _value_schema(spec)
    if spec.nullable:
        value = {"anyOf": [value, {"type": "null"}]}
    annotations: dict[str, Any] = {
        "description": f"{spec.description.zh} / {spec.description.en}",
        "x-classification": str(spec.classification),
    }
    if spec.unit is not None:
        annotations["x-unit"] = spec.unit
    return {**annotations, **value}


def _value_schema(spec: FieldSpec) -> dict[str, Any]:
    if spec.type == "float64_list":
        return {"type": "array", "items": _number(spec, "number")}
    builders = {
        "string": _string,
        "enum": lambda s: {"type": "string", "enum": list(s.values or ())},
        "int64": lambda s: _number(s, "integer"),
        "float64": lambda s: _number(s, "number"),
        "bool": lambda s: {"type": "boolean"},
        "timestamp": lambda s: {
            "type": "string",
            "format": "date-time",
            "pattern": timestamp_pattern(s.precision or "ms"),
        },
        "date": lambda s: {
            "type": "string",
            "format": "date",
            "pattern": whole_value_pattern(_DATE),
        },
        "binary_ref": lambda s: _claim_check(),
    }
    return builders[spec.type](spec)


def _string(spec: FieldSpec) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if spec.pattern is not None:
        schema["pattern"] = whole_value_pattern(spec.pattern)
    return schema


def _number(spec: FieldSpec, json_type: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": json_type}
    low, high = spec.min, spec.max
    if json_type == "integer":
        low = _INT64_MIN if low is None else max(low, _INT64_MIN)
        high = _INT64_MAX if high is None else min(high, _INT64_MAX)
    if low is not None:
        schema["minimum"] = low
    if high is not None:
        schema["maximum"] = high
    return schema


def _claim_check() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "uri": {"type": "string", "pattern": _URI},
            "sha256": {"type": "string", "pattern": _SHA256},
        },
        "required": ["uri", "sha256"],
        "additionalProperties": False,
    }
