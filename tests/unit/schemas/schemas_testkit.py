"""Builders and hypothesis strategies shared by the contract tests."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, TypeVar

from hypothesis import find
from hypothesis import strategies as st

from schemas import (
    ENVELOPE,
    FIELD_TYPES,
    Classification,
    Contract,
    FieldSpec,
    Masking,
    Text,
    all_fields,
    load_contract,
)

TEXT = Text(zh="测试", en="test")
SHA = "0123456789abcdef" * 4


def spec(**overrides: Any) -> FieldSpec:
    """A float64 L1 field in kW with a 0..100 range, overridden as asked."""
    base: dict[str, Any] = {
        "type": "float64",
        "unit": "kW",
        "min": 0,
        "max": 100,
        "classification": Classification.L1,
        "description": TEXT,
    }
    return FieldSpec.model_validate({**base, **overrides})


M = TypeVar("M", Contract, FieldSpec)


def replace(model: M, **changes: Any) -> M:
    """A validated copy of a contract or field with some attributes changed."""
    return type(model).model_validate({**model.model_dump(), **changes})


def with_field(contract: Contract, name: str, field: FieldSpec | None) -> Contract:
    """A copy of ``contract`` with field ``name`` replaced, added, or (None) removed."""
    fields = dict(contract.fields)
    if field is None:
        fields.pop(name)
    else:
        fields[name] = field
    return replace(contract, fields=fields)


def changed_field(contract: Contract, name: str, **attrs: Any) -> Contract:
    """A copy of ``contract`` with some attributes of field ``name`` changed."""
    return with_field(contract, name, replace(contract.fields[name], **attrs))


def energy() -> Contract:
    """The shipped energy-meter contract."""
    return load_contract("energy_meter")


def example_value(spec: FieldSpec) -> Any:
    """One valid JSON value for a field (deterministic)."""
    values = {
        "string": "ABC",
        "int64": int(spec.min if spec.min is not None else 0),
        "float64": float(spec.min if spec.min is not None else 0.5),
        "bool": True,
        "timestamp": "2025-03-01T08:00:00.125Z",
        "date": "2025-03-01",
        "enum": (spec.values or ("x",))[0],
        "binary_ref": {"uri": "s3://images/a.jpg", "sha256": SHA},
        "float64_list": [float(spec.min if spec.min is not None else 0.5)],
    }
    return values[spec.type]


# Values that fit the patterns of the shipped contracts and the envelope.
_PATTERN_EXAMPLES = {
    ENVELOPE["producer_id"].pattern: "edge-gw-01",
    ENVELOPE["site"].pattern: "sz-plant-1",
}


@cache
def pattern_example(pattern: str) -> str:
    """The simplest string matching ``pattern`` (found once, then remembered)."""
    return _PATTERN_EXAMPLES.get(pattern) or find(
        st.from_regex(pattern, fullmatch=True), lambda _: True
    )


def example_reading(contract: Contract) -> dict[str, Any]:
    """One valid reading as JSON-compatible data, drawn from the contract's own patterns."""
    return {
        name: pattern_example(field.pattern) if field.pattern else example_value(field)
        for name, field in all_fields(contract).items()
    }


# ---------------------------------------------------------------- strategies

_SAFE_ID = st.from_regex(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$", fullmatch=True)
field_names = st.from_regex(r"^[a-z][a-z0-9_]{0,12}$", fullmatch=True).filter(
    lambda n: n not in ENVELOPE
)
bounds = st.one_of(st.none(), st.integers(-1_000_000, 1_000_000))


@st.composite
def field_specs(draw: st.DrawFn) -> FieldSpec:
    """A sound field spec of any contract type."""
    kind = draw(st.sampled_from(FIELD_TYPES))
    attrs: dict[str, Any] = {"type": kind, "description": TEXT, "nullable": draw(st.booleans())}
    level = draw(st.sampled_from(list(Classification)))
    attrs["classification"] = level
    if level is Classification.L3:
        attrs["masking"] = draw(st.sampled_from(list(Masking)))
    if kind in ("int64", "float64", "float64_list"):
        low, high = sorted([draw(bounds) or 0, draw(bounds) or 0])
        attrs.update(min=low, max=high, unit=draw(st.sampled_from(["kW", "V", "Cel", "1", "ms"])))
    if kind == "enum":
        attrs["values"] = draw(st.lists(_SAFE_ID, min_size=1, max_size=5, unique=True))
    if kind == "string" and draw(st.booleans()):
        attrs["pattern"] = r"^[A-Z]{2}[0-9]{2,6}$"
    if kind == "timestamp":
        attrs["precision"] = draw(st.sampled_from(["ms", "us"]))
    return FieldSpec.model_validate(attrs)


@st.composite
def contracts(draw: st.DrawFn) -> Contract:
    """A sound contract with 1-6 random fields on top of a shipped one's metadata."""
    names = draw(st.lists(field_names, min_size=1, max_size=6, unique=True))
    fields = {name: draw(field_specs()) for name in names}
    base = energy()
    major, minor = draw(st.integers(0, 20)), draw(st.integers(0, 20))
    return replace(
        base,
        name=draw(st.from_regex(r"^[a-z][a-z0-9_]{1,20}$", fullmatch=True)),
        version=f"{major}.{minor}.0",
        fields=fields,
        security_level="core",
        sequenced=draw(st.booleans()),
        max_event_age=draw(st.sampled_from([None, "1h", "30d"])),
        max_clock_skew=draw(st.sampled_from([None, "500ms", "5min"])),
    )


def _timestamps(precision: str) -> st.SearchStrategy[str]:
    moments = st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    )
    digits = 3 if precision == "ms" else 6

    def encode(moment: datetime) -> str:
        fraction = f"{moment.microsecond:06d}"[:digits]
        return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{fraction}Z"

    return moments.map(encode)


def _floats(field: FieldSpec) -> st.SearchStrategy[float]:
    low = -1e12 if field.min is None else field.min
    high = 1e12 if field.max is None else field.max
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def value_strategy(field: FieldSpec) -> st.SearchStrategy[Any]:
    """Valid JSON values of one field."""
    builders = {
        "string": lambda: (
            st.from_regex(field.pattern, fullmatch=True)
            if field.pattern
            else st.text(string.printable, max_size=12)
        ),
        "int64": lambda: st.integers(
            -(2**63) if field.min is None else int(field.min),
            2**63 - 1 if field.max is None else int(field.max),
        ),
        "float64": lambda: _floats(field),
        "bool": st.booleans,
        "timestamp": lambda: _timestamps(field.precision or "ms"),
        "date": lambda: st.dates(date(1970, 1, 1), date(2200, 1, 1)).map(date.isoformat),
        "enum": lambda: st.sampled_from(list(field.values or ())),
        "binary_ref": lambda: st.fixed_dictionaries(
            {"uri": _SAFE_ID.map(lambda k: f"s3://bucket/{k}.jpg"), "sha256": st.just(SHA)}
        ),
        "float64_list": lambda: st.lists(_floats(field), max_size=8),
    }
    values = builders[field.type]()
    return st.one_of(st.none(), values) if field.nullable else values


@st.composite
def readings(draw: st.DrawFn, contract: Contract) -> dict[str, Any]:
    """Valid readings of ``contract``; nullable fields are sometimes left out."""
    reading: dict[str, Any] = {}
    for name, field in all_fields(contract).items():
        if field.nullable and draw(st.booleans()):
            continue
        reading[name] = draw(value_strategy(field))
    return reading
