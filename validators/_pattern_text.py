"""Strings that match a regular expression, numbered: the ``n``-th example of a pattern.

Enough of Python's regex syntax for contract patterns (literals, classes,
categories, repeats, groups, alternation, anchors). Each character class is a
digit in a mixed-radix number, least significant last, so consecutive ``n``
give distinct strings until the pattern's minimal length runs out of room.
"""

from __future__ import annotations

import functools
import importlib
import re
import string
from typing import Any

# Python 3.11 keeps the regex parser in private modules; typeshed does not know them.
sre_c: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")

__all__ = ["pattern_example"]

_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase + "-_.:@"
_CATEGORIES = {
    sre_c.CATEGORY_DIGIT: string.digits,
    sre_c.CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    sre_c.CATEGORY_SPACE: " ",
}


def _class(items: list[tuple[Any, Any]]) -> str:
    negate = any(op is sre_c.NEGATE for op, _ in items)
    inside = {c for c in _ALPHABET if _class_has(items, c)}
    chosen = set(_ALPHABET) - inside if negate else inside
    return "".join(c for c in _ALPHABET if c in chosen)


def _class_has(items: list[tuple[Any, Any]], char: str) -> bool:
    code = ord(char)
    for op, arg in items:
        if (op is sre_c.LITERAL and arg == code) or (
            op is sre_c.RANGE and arg[0] <= code <= arg[1]
        ):
            return True
        if op is sre_c.CATEGORY and char in _CATEGORIES.get(arg, ""):
            return True
    return False


@functools.lru_cache(maxsize=64)
def _pattern_slots(pattern: str) -> tuple[str, ...]:
    return tuple(_slots(sre_parse.parse(pattern)))


def _slots(parsed: Any) -> list[str]:
    """The pattern as a list of slots, each the characters allowed there (one char = fixed)."""
    slots: list[str] = []
    for op, arg in parsed:
        if op is sre_c.LITERAL:
            slots.append(chr(arg))
        elif op is sre_c.IN:
            slots.append(_class(arg))
        elif op is sre_c.ANY:
            slots.append(_ALPHABET)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            low, _high, sub = arg
            slots.extend(_slots(sub) * max(low, 0))
        elif op is sre_c.SUBPATTERN:
            slots.extend(_slots(arg[-1]))
        elif op is sre_c.BRANCH:
            slots.extend(_slots(arg[1][0]))
    return slots


def pattern_example(pattern: str, n: int) -> str:
    """The ``n``-th string matching ``pattern`` (checked; raises ValueError if it cannot)."""
    slots = _pattern_slots(pattern)
    chars = []
    for allowed in reversed(slots):
        chars.append(allowed[n % len(allowed)])
        n //= len(allowed)
    text = "".join(reversed(chars))
    if not re.fullmatch(pattern, text):
        raise ValueError(f"cannot build an example of {pattern!r}")
    return text
