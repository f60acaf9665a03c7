"""Every jinja2 environment in the code escapes what it renders (found by reading the source)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("assay", "schemas", "validators", "producers", "dags", "bench")


def _environments() -> list[tuple[str, ast.Call]]:
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Environment":
                    found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return found


def _escapes(call: ast.Call) -> bool:
    """HTML: ``autoescape=True``; Markdown: ``autoescape=False`` with an escaping ``finalize``;
    YAML and shell (assay/deploy): a ``finalize`` that refuses whatever would need quoting."""
    keywords = {k.arg: k.value for k in call.keywords}
    autoescape = keywords.get("autoescape")
    if isinstance(autoescape, ast.Constant) and autoescape.value is True:
        return True
    finalize = keywords.get("finalize")
    names = ("escape_markdown", "plain_token")
    return finalize is not None and any(n in ast.unparse(finalize) for n in names)


def test_every_environment_escapes() -> None:
    environments = _environments()
    assert len(environments) >= 3  # readiness, dictionary, Markdown
    assert [where for where, call in environments if not _escapes(call)] == []


def test_no_template_turns_escaping_off() -> None:
    templates = [p for package in PACKAGES for p in (ROOT / package).rglob("*.j2")]
    assert templates
    for path in templates:
        text = path.read_text(encoding="utf-8").replace(" ", "")
        assert "|safe" not in text and "autoescapefalse" not in text, path
