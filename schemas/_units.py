"""Units of measure: UCUM or SI spellings, checked and compared with pint.

pint's registry takes most of a second to build, so it is built on first use:
importing the contract model stays cheap on an edge gateway.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

__all__ = ["is_known_unit", "units_equivalent"]

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
