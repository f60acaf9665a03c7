"""Masking by classification: what a release does with each field, as data plus a pure function.

`plan_masking` decides, per field, one treatment: ``kept`` (L1/L2, not personal),
``granted`` (restricted but named by ``--grant``), or the contract's masking policy for a
restricted field (L3 or personal): ``dropped`` or ``pseudonymised``. `apply_masking`
carries the plan out on an Arrow table.

Pseudonyms are ``HMAC-SHA256(release key, "<contract>.<field>" NUL value)`` in hex: the
same value gets the same pseudonym within a field of one release (joins and group-bys still
work), values of different fields cannot be linked, and without the key nobody can reverse
or recompute them. The release key is derived from the master key for this release alone
(`assay.govern.releases._masking_key`), so pseudonyms do not link across releases either.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from assay.govern.releases._errors import InvalidRelease
from schemas import Contract, FieldSpec, Masking, all_fields

Treatment = Literal["kept", "granted", "dropped", "pseudonymised"]
METHOD = "HMAC-SHA256"


@dataclass(frozen=True)
class FieldTreatment:
    """What a release does with one field, and why."""

    name: str
    spec: FieldSpec
    treatment: Treatment

    @property
    def released(self) -> bool:
        """Whether the field is in the released files at all."""
        return self.treatment != "dropped"


def plan_masking(contract: Contract, grants: frozenset[str] = frozenset()) -> list[FieldTreatment]:
    """One treatment per field (envelope first); grants must name restricted fields."""
    fields = all_fields(contract)
    _check_grants(contract, fields, grants)
    return [
        FieldTreatment(name, spec, _treatment(name, spec, grants)) for name, spec in fields.items()
    ]


def _check_grants(contract: Contract, fields: dict[str, FieldSpec], grants: frozenset[str]) -> None:
    restricted = sorted(name for name, spec in fields.items() if spec.restricted)
    for name in sorted(grants):
        if name not in restricted:
            raise InvalidRelease(
                f"--grant {name}: {contract.name} has no restricted field of that name "
                f"(restricted: {', '.join(restricted) or 'none'})",
                value=name,
            )


def _treatment(name: str, spec: FieldSpec, grants: frozenset[str]) -> Treatment:
    if not spec.restricted:
        return "kept"
    if name in grants:
        return "granted"
    return "pseudonymised" if spec.masking is Masking.PSEUDONYMISE else "dropped"


def apply_masking(
    table: pa.Table, plan: list[FieldTreatment], key: bytes, contract: str
) -> pa.Table:
    """The table with dropped fields removed and pseudonymised fields replaced."""
    for item in plan:
        if item.name not in table.column_names:
            continue
        index = table.column_names.index(item.name)
        if item.treatment == "dropped":
            table = table.remove_column(index)
        elif item.treatment == "pseudonymised":
            column = pseudonymise(table[item.name], key, f"{contract}.{item.name}")
            field = pa.field(item.name, pa.string(), nullable=True)
            table = table.set_column(index, field, column)
    return table


def pseudonymise(column: pa.ChunkedArray, key: bytes, domain: str) -> pa.Array:
    """Keyed pseudonyms of a column's values (nulls stay null)."""
    prefix = domain.encode() + b"\x00"
    text = pc.cast(column, pa.string())
    # One HMAC per distinct value: identifiers repeat a lot across readings.
    distinct = pc.unique(text).drop_null()
    hashed = pa.array([_hmac(key, prefix + v.encode()) for v in distinct.to_pylist()], pa.string())
    return pc.take(hashed, pc.index_in(text, value_set=distinct)).combine_chunks()


def _hmac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()
