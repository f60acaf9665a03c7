"""How a report shows a restricted value (L3 or personal): it does not.

Releases drop or pseudonymise restricted fields; reports (Data Docs, ``validation.json``,
the readiness report) are read by people who were granted nothing, so every value of a
restricted field is replaced by one marker, and so is every copy of it inside free text
such as a quarantine reason. One definition here, used by every report.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemas._envelope import all_fields
from schemas._model import Contract

__all__ = ["MASK", "masked", "masked_text", "restricted_fields"]

MASK = "〔已遮蔽 masked〕"


def restricted_fields(contract: Contract) -> frozenset[str]:
    """The contract's fields a report must never show: L3 or personal."""
    return frozenset(name for name, spec in all_fields(contract).items() if spec.restricted)


def masked(value: Any) -> Any:
    """A restricted field's value as a report shows it: the marker (a missing value stays None)."""
    return None if value is None else MASK


def masked_text(text: str, values: Iterable[Any]) -> str:
    """``text`` with every spelling of every value in ``values`` replaced by the marker.

    Validators print floats with ``.12g``, so a float is looked for in both spellings;
    longer spellings go first, so a value never leaves a tail of a longer one behind.
    """
    spellings = {s for v in values if v not in (None, "") for s in _spellings(v)}
    for spelling in sorted(spellings, key=len, reverse=True):
        text = text.replace(spelling, MASK)
    return text


def _spellings(value: Any) -> set[str]:
    return {str(value), f"{value:.12g}"} if isinstance(value, float) else {str(value)}
