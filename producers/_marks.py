"""Where each key of a YAML text is: ``sources[1].devices[0].nodes.x`` -> its line number.

PyYAML's composer keeps a mark on every node, so errors about a key's value can name the line
the user has to edit, as contract lint does. A key that is absent (``add this key``) is placed
at its nearest present parent.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["KeyLines", "key_lines"]


class KeyLines:
    """Lines (1-based) of every key path in one YAML text."""

    def __init__(self, lines: dict[str, int]) -> None:
        self._lines = lines

    def line(self, key: str) -> int | None:
        """The line of ``key``, else of its nearest parent present in the text, else None."""
        while key:
            if key in self._lines:
                return self._lines[key]
            key = _parent(key)
        return None


def key_lines(text: str) -> KeyLines:
    """Every key path of ``text`` with its line; empty when the text is not YAML."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return KeyLines({})
    found: dict[str, int] = {}
    if root is not None:
        _walk(root, "", found)
    return KeyLines(found)


def _walk(node: Any, path: str, found: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = f"{path}.{key.value}" if path else str(key.value)
            found[child] = key.start_mark.line + 1
            _walk(value, child, found)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found[f"{path}[{i}]"] = item.start_mark.line + 1
            _walk(item, f"{path}[{i}]", found)


def _parent(key: str) -> str:
    cut = max(key.rfind("."), key.rfind("["))
    return key[:cut] if cut > 0 else ""
