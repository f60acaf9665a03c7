"""Contract -> Arrow schema.

Field metadata (all UTF-8): ``unit``, ``classification``, ``personal``
("true"/"false"), ``masking``, ``description.zh``, ``description.en`` and, for
enums, ``values`` (a JSON list). Schema metadata: ``contract``,
``contract.version``, ``contract.topic``, ``event_time``, ``key`` and ``identity``
(JSON lists; ``identity`` as ``schemas._identity`` defines it).

Type mapping: string/enum -> string, int64, float64, bool, timestamp ->
timestamp[ms|us, tz=UTC] (never ns), date -> date32, binary_ref ->
struct<uri: string, sha256: string>, float64_list -> list<float64>.

pyarrow is imported on first use: the contract model loads on a JSON-only gateway without it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from schemas._envelope import all_fields
from schemas._identity import IDENTITY_METADATA, identity_fields
from schemas._model import Contract, FieldSpec
from schemas._topic import topic_name

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["CLAIM_CHECK_TYPE", "arrow_type", "to_arrow_schema"]  # noqa: F822 - by __getattr__


def __getattr__(name: str) -> Any:
    """``CLAIM_CHECK_TYPE``, built (and pyarrow imported) when first asked for."""
    if name == "CLAIM_CHECK_TYPE":
        return _simple()["binary_ref"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _simple() -> dict[str, pa.DataType]:
    import pyarrow as pa

    claim_check = pa.struct(
        [
            pa.field("uri", pa.string(), nullable=False),
            pa.field("sha256", pa.string(), nullable=False),
        ]
    )
    return {
        "string": pa.string(),
        "enum": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "date": pa.date32(),
        "binary_ref": claim_check,
        "float64_list": pa.list_(pa.field("item", pa.float64(), nullable=False)),
    }


def arrow_type(spec: FieldSpec) -> pa.DataType:
    """The Arrow type a field is stored as."""
    if spec.type == "timestamp":
        import pyarrow as pa

        return pa.timestamp(spec.precision or "ms", tz="UTC")
    return _simple()[spec.type]


def to_arrow_schema(contract: Contract) -> pa.Schema:
    """Compile a contract (envelope included) to an Arrow schema with governance metadata."""
    import pyarrow as pa

    fields = [_arrow_field(name, spec) for name, spec in all_fields(contract).items()]
    return pa.schema(fields, metadata=_schema_metadata(contract))


def _arrow_field(name: str, spec: FieldSpec) -> pa.Field:
    import pyarrow as pa

    return pa.field(name, arrow_type(spec), nullable=spec.nullable, metadata=_field_metadata(spec))


def _field_metadata(spec: FieldSpec) -> dict[str, str]:
    metadata = {
        "classification": str(spec.classification),
        "personal": "true" if spec.personal else "false",
        "description.zh": spec.description.zh,
        "description.en": spec.description.en,
    }
    if spec.unit is not None:
        metadata["unit"] = spec.unit
    if spec.masking is not None:
        metadata["masking"] = str(spec.masking)
    if spec.values is not None:
        metadata["values"] = json.dumps(list(spec.values), ensure_ascii=False)
    return metadata


def _schema_metadata(contract: Contract) -> dict[str, str]:
    return {
        "contract": contract.name,
        "contract.version": contract.version,
        "contract.topic": topic_name(contract),
        "event_time": contract.event_time,
        "key": json.dumps(list(contract.key)),
        IDENTITY_METADATA: json.dumps(list(identity_fields(contract))),
    }
