"""A contract as an Open Data Contract Standard (ODCS v3.1.0) document, and back.

ODCS is what datacontract-cli, OpenMetadata and SchemaStore read, so every contract can be
handed to them: `to_odcs` maps each concept ODCS has a place for to that place (key ->
``primaryKey``, classification, nullability -> ``required``, ranges and patterns ->
``logicalTypeOptions``, allowed values and industrial rules -> ``quality`` entries with
their ODCS dimension, retention and freshness -> ``slaProperties``), and keeps what ODCS
has no word for (units, bilingual texts, masking, stream rules, the Kafka layout) as
``customProperties`` named as in the contract. `from_odcs` reads those back, so a contract
survives the round trip unchanged; a foreign document gets what can be mapped and the
linter names what is missing. docs/odcs.md has the table.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from schemas._arrow import arrow_type
from schemas._envelope import ENVELOPE
from schemas._errors import ContractError
from schemas._loader import contract_to_dict
from schemas._model import Contract, FieldSpec
from schemas._rules import AllowedValuesRule, Rule, RuleKind, compile_rules
from schemas._source import dump_yaml
from schemas._topic import topic_name

__all__ = [
    "ODCS_API_VERSION",
    "ODCS_DIMENSIONS",
    "dump_odcs",
    "from_odcs",
    "odcs_to_contract_yaml",
    "to_odcs",
]

ODCS_API_VERSION = "v3.1.0"

#: GB/T 36344-2018 quality dimensions -> ODCS dimensions. Accessibility has no ODCS
#: counterpart and is carried as the rule's custom property only.
ODCS_DIMENSIONS: dict[str, str | None] = {
    "normative": "conformity",
    "completeness": "completeness",
    "accuracy": "accuracy",
    "consistency": "consistency",
    "timeliness": "timeliness",
    "accessibility": None,
}

_LOGICAL = {
    "string": "string",
    "enum": "string",
    "binary_ref": "string",
    "int64": "integer",
    "float64": "number",
    "bool": "boolean",
    "timestamp": "timestamp",
    "date": "date",
    "float64_list": "array",
}
_FROM_LOGICAL = {
    "string": "string",
    "integer": "int64",
    "number": "float64",
    "boolean": "bool",
    "timestamp": "timestamp",
    "date": "date",
    "array": "float64_list",
}
# Contract keys with a native place in the document; everything else is a custom property.
_NATIVE = {"name", "version", "data_domain", "fields"}
# Field keys with a native place in a property.
_NATIVE_FIELD = {"type", "classification", "nullable"}


def to_odcs(contract: Contract) -> dict[str, Any]:
    """The contract as an ODCS v3.1.0 document (plain data, ready for YAML or JSON)."""
    data = contract_to_dict(contract)
    return {
        "apiVersion": ODCS_API_VERSION,
        "kind": "DataContract",
        "id": f"{contract.name}-v{contract.major}",
        "name": contract.name,
        "version": contract.version,
        "status": "active",
        "domain": contract.data_domain.value,
        "tags": [contract.scenario.value, contract.security_level.value],
        "description": {"purpose": contract.description.en, "usage": contract.description.zh},
        "team": {"name": contract.owner, "members": [{"username": contract.owner}]},
        "schema": [_object(contract)],
        "slaProperties": _sla(contract),
        "customProperties": _custom({k: v for k, v in data.items() if k not in _NATIVE}),
    }


def _object(contract: Contract) -> dict[str, Any]:
    properties = [_property(n, s, contract, envelope=True) for n, s in ENVELOPE.items()]
    properties += [_property(n, s, contract) for n, s in contract.fields.items()]
    return {
        "name": contract.name,
        "physicalName": topic_name(contract),
        "physicalType": "topic",
        "logicalType": "object",
        "businessName": contract.title.en,
        "description": contract.description.en,
        "properties": properties,
    }


def _property(
    name: str, spec: FieldSpec, contract: Contract, *, envelope: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "logicalType": _LOGICAL[spec.type],
        "physicalType": str(arrow_type(spec)),
        "required": not spec.nullable,
        "classification": spec.classification.value,
        "description": spec.description.en,
        "criticalDataElement": spec.restricted,
    }
    if name in contract.key:
        out |= {"primaryKey": True, "primaryKeyPosition": contract.key.index(name) + 1}
    if name in contract.partition_by:
        out |= {"partitioned": True, "partitionKeyPosition": contract.partition_by.index(name) + 1}
    if spec.type == "float64_list":
        out["items"] = {"name": f"{name}_item", "logicalType": "number"}
    if options := _options(spec):
        out["logicalTypeOptions"] = options
    if quality := _quality(contract, name):
        out["quality"] = quality
    rest = spec.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    custom = {k: v for k, v in rest.items() if k not in _NATIVE_FIELD}
    custom["type"] = spec.type  # the exact type, finer than logicalType
    if envelope:
        custom["envelope"] = True
    out["customProperties"] = _custom(custom)
    return out


def _options(spec: FieldSpec) -> dict[str, Any]:
    logical = _LOGICAL[spec.type]
    if logical == "string":
        return {"pattern": spec.pattern} if spec.pattern else {}
    if logical in ("integer", "number"):
        bounds = {"minimum": spec.min, "maximum": spec.max}
        return {k: v for k, v in bounds.items() if v is not None}
    return {}


def _quality(contract: Contract, name: str) -> list[dict[str, Any]]:
    """Each rule on this field as an ODCS quality entry, with its dimension and severity."""
    out = []
    for rule in compile_rules(contract):
        if rule.fields[:1] != (name,):
            continue
        entry: dict[str, Any] = {
            "name": f"{rule.kind.value}:{name}",
            "severity": rule.severity.value,
            **_check(rule),
            "customProperties": _custom({"dimension": rule.dimension.value}),
        }
        if dimension := ODCS_DIMENSIONS[rule.dimension.value]:
            entry["dimension"] = dimension
        out.append(entry)
    return out


def _check(rule: Rule) -> dict[str, Any]:
    """An ODCS library metric where one says the same, else the rule as a custom check."""
    if rule.kind is RuleKind.NOT_NULL:
        return {"type": "library", "metric": "nullValues", "mustBe": 0}
    if isinstance(rule, AllowedValuesRule):
        valid = list(rule.values)
        return {
            "type": "library",
            "metric": "invalidValues",
            "arguments": {"validValues": valid},
            "mustBe": 0,
        }
    params = {k: v for k, v in asdict(rule).items() if k not in ("severity", "kind", "dimension")}
    implementation = json.loads(json.dumps({"rule": rule.kind.value, **params}, default=str))
    return {"type": "custom", "engine": "great-expectations", "implementation": implementation}


def _sla(contract: Contract) -> list[dict[str, Any]]:
    out = [
        {"property": "retention", "value": value, "element": f"{contract.name}.{stage}"}
        for stage, value in contract.retention.model_dump(mode="json").items()
    ]
    if contract.freshness:
        out.append({"property": "latency", "value": contract.freshness})
    return out


def _custom(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"property": k, "value": v} for k, v in values.items()]


def from_odcs(doc: dict[str, Any]) -> dict[str, Any]:
    """Contract data (the YAML file's layout) from an ODCS document; lint it to load it.

    Properties marked as envelope fields are skipped (every contract has them). What a
    foreign document lacks (bilingual texts, classification, partitions) is left out, so
    the linter names each missing key with its fix.
    """
    out: dict[str, Any] = {"name": doc.get("name"), "version": doc.get("version")}
    if doc.get("domain"):
        out["data_domain"] = doc["domain"]
    out |= _values(doc.get("customProperties"))
    schema = (doc.get("schema") or [{}])[0]
    fields, keys = {}, []
    for prop in schema.get("properties") or []:
        custom = _values(prop.get("customProperties"))
        if custom.pop("envelope", False):
            continue
        fields[prop["name"]] = _field(prop, custom)
        if prop.get("primaryKey"):
            keys.append((prop.get("primaryKeyPosition", 0), prop["name"]))
    out["fields"] = fields
    if keys and "key" not in out:
        out["key"] = [name for _, name in sorted(keys)]
    return out


def _field(prop: dict[str, Any], custom: dict[str, Any]) -> dict[str, Any]:
    field = dict(custom)
    field.setdefault("type", _FROM_LOGICAL.get(prop.get("logicalType", ""), "string"))
    if "classification" in prop:
        field["classification"] = prop["classification"]
    if not prop.get("required", False):
        field["nullable"] = True
    if "description" not in field and prop.get("description"):
        text = prop["description"]
        field["description"] = {"zh": text, "en": text}
    options = prop.get("logicalTypeOptions") or {}
    for ours, theirs in (("min", "minimum"), ("max", "maximum"), ("pattern", "pattern")):
        if ours not in field and theirs in options:
            field[ours] = options[theirs]
    return field


def _values(custom: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {c["property"]: c.get("value") for c in custom or [] if "property" in c}


def dump_odcs(contract: Contract) -> str:
    """The contract's ODCS document as YAML."""
    return dump_yaml(to_odcs(contract))


def odcs_to_contract_yaml(text: str) -> tuple[str, str]:
    """An ODCS YAML or JSON document -> (contract name, contract YAML to lint)."""
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContractError(f"not an ODCS document: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("kind") != "DataContract":
        raise ContractError("not an ODCS document: no `kind: DataContract` at the top")
    data = from_odcs(doc)
    return str(data.get("name") or "contract"), dump_yaml(data)
