"""Units of measure: UCUM or SI spellings, checked and compared with pint.

pint's registry takes most of a second to build, so it is built on first use:
importing the contract model stays cheap on an edge gateway.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

__all__ = ["is_known_unit", "unit_conversion", "units_equivalent"]

# UCUM spellings pint does not read, rewritten to pint syntax.
_UCUM_WORDS = {"Cel": "degC", "[degF]": "degF", "%": "percent", "[ppm]": "ppm"}
_UCUM_PRODUCT = re.compile(r"(?<=[A-Za-z0-9\]])\.(?=[A-Za-z\[])")
_UCUM_ANNOTATION = re.compile(r"\{[^}]*\}")


@cache
def _registry() -> Any:
    import pint

    return pint.UnitRegistry()


def _to_pint(unit: str) -> str:
    text = _UCUM_ANNOTATION.sub("", unit) or "1"
    text = _UCUM_PRODUCT.sub("*", text)
    if text.startswith("/"):
        text = "1" + text
    return _UCUM_WORDS.get(text, text)


@cache
def _parse(unit: str) -> Any:
    return _registry().parse_units(_to_pint(unit))


def is_known_unit(unit: str) -> bool:
    """True when pint understands ``unit`` (after rewriting a few UCUM spellings)."""
    try:
        _parse(unit)
    except Exception:  # pint raises several unrelated types for bad input
        return False
    return True


def units_equivalent(left: str, right: str) -> bool:
    """True when two spellings denote the same unit (``kWh`` and ``kW.h``), factor 1."""
    if left == right:
        return True
    if not (is_known_unit(left) and is_known_unit(right)):
        return False
    ureg = _registry()
    try:
        factor = ureg.Quantity(1, _parse(left)).to(_parse(right)).magnitude
    except Exception:  # incompatible dimensions
        return False
    return bool(abs(factor - 1) < 1e-12)


@cache
def unit_conversion(source: str, target: str) -> tuple[float, float]:
    """``(scale, offset)`` with ``target value = source value * scale + offset``.

    Every pint conversion between two units of one dimension is affine (°F to °C has an
    offset, W to kW only a scale), so an edge converts a reading with one multiply-add and
    pint is consulted once per unit pair. ``ValueError`` names what pint did not accept.
    """
    for unit in (source, target):
        if not is_known_unit(unit):
            raise ValueError(f"{unit!r} is not a unit pint knows (UCUM or SI spelling)")
    quantity = _registry().Quantity
    try:
        zero = float(quantity(0.0, _parse(source)).to(_parse(target)).magnitude)
        # the slope over a wide span: an offset near 1 would cost digits (°F: 1 -> -17.2 °C)
        far = float(quantity(1e6, _parse(source)).to(_parse(target)).magnitude)
    except Exception as exc:  # pint's DimensionalityError and its relatives
        raise ValueError(f"{source!r} cannot be converted to {target!r}: {exc}") from exc
    return (far - zero) / 1e6, zero
