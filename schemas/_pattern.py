r"""Contract patterns match whole values, in every regular-expression dialect they meet.

A contract's ``pattern`` describes a whole value. The engines that apply it search:
Great Expectations on pandas (``str.contains``), the ``jsonschema`` library and Spark's
``rlike`` find a match anywhere, and their ``$`` also matches before a trailing newline,
so ``^[a-z0-9-]+$`` accepts ``"sz-plant-1\n"`` — a value that then reaches object keys
and release file names. ``whole_value_pattern`` rewrites a pattern so that searching
for it is ``re.fullmatch``: anchored at the start with ``^`` and at the end with a
look-ahead that no character follows. ``\A``/``\Z`` would do in Python, but JSON
Schema's own dialect (ECMA-262) has neither; ``^`` and ``(?![\s\S])`` mean the same
in Python, ECMA-262 and Java.
"""

from __future__ import annotations

__all__ = ["whole_value_pattern"]


def whole_value_pattern(pattern: str) -> str:
    """``pattern`` such that a search for it matches only a whole value (``re.fullmatch``)."""
    return rf"^(?:{pattern})(?![\s\S])"
