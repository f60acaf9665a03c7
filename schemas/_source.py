"""Reading contract YAML while keeping line numbers, and writing it back.

PyYAML's composer gives every node a start mark; walking the node tree
ourselves keeps a ``path -> line`` map and catches duplicate keys, which
``yaml.safe_load`` would silently overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["Document", "DuplicateKey", "Path", "YamlSyntaxError", "dump_yaml", "parse_yaml"]

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class DuplicateKey:
    """A mapping key seen twice; the later occurrence is ignored."""

    path: Path
    line: int


class YamlSyntaxError(Exception):
    """The text is not YAML at all; ``line`` is 1-based."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


@dataclass
class Document:
    """Plain data parsed from YAML, with the 1-based line of every path in it."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicates: list[DuplicateKey] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """Line of ``path``, or of its nearest ancestor that exists (1 for the root)."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


def parse_yaml(text: str) -> Document:
    """Parse one YAML document into plain data plus line numbers; raise ``YamlSyntaxError``.

    The reader rejects control characters before any mark exists (``ReaderError``): that is
    a syntax error on the line it is found on too, so a site's stray binary file is reported.
    """
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlSyntaxError(line=line, problem=str(exc)) from exc
    try:
        node = loader.get_single_node()
        document = Document(data=None)
        if node is not None:
            document.data = _convert(loader, node, (), document)
        return document
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlSyntaxError(line=line, problem=str(exc.problem or exc)) from exc
    finally:
        loader.dispose()


def _convert(loader: yaml.SafeLoader, node: yaml.Node, path: Path, doc: Document) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        return _convert_mapping(loader, node, path, doc)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, (*path, i), doc) for i, item in enumerate(node.value)]
    return loader.construct_object(node)


def _convert_mapping(
    loader: yaml.SafeLoader, node: yaml.MappingNode, path: Path, doc: Document
) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        child = (*path, key)
        if key in result:
            doc.duplicates.append(DuplicateKey(path=child, line=key_node.start_mark.line + 1))
            continue
        doc.lines[child] = key_node.start_mark.line + 1
        result[key] = _convert(loader, value_node, child, doc)
    return result


def dump_yaml(data: Any) -> str:
    """Write plain data as block-style YAML, keeping key order and Chinese text readable."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
