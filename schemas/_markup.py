"""Producer text inside the pages assay writes: shown as text, never run as markup.

Readings, contracts and release requests carry text from outside (a site code, a device id,
a description); pages made from it are opened by stewards and pilot bases. HTML pages use
autoescaping templates and carry ``CONTENT_SECURITY_POLICY`` in a ``<meta>`` tag, because an
S3 server cannot send that header: even a value that got through would not run, load or
send anything. Markdown pages (the dataset card, the dictionary) are rendered by whatever
the reader uses (GitHub, GitLab, an IDE, ``markdown``), so every value goes through
``escape_markdown`` (``markdown_environment`` does it for every ``{{ … }}``): HTML
specials become entities, which every renderer shows as text, and Markdown punctuation is
backslash-escaped, so a value can start no link, image, table cell, heading or list.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "csp_meta",
    "escape_markdown",
    "markdown_environment",
]

#: Nothing runs, loads or leaves: inline styles and ``data:`` images only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

# '@' as an entity too, and ':' before '//' or after mailto/xmpp, and the '.' of 'www.' (see
# `_escaped`): GFM-style renderers make links of bare `scheme://…`, `www.…` and `name@host`.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "&#64;"}
_INLINE = set("\\`*_[]{}|")
_LINE_START = set("#+-~")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]*")


def csp_meta() -> str:
    """The ``<meta>`` tag that carries the policy inside a page."""
    return f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'


def escape_markdown(value: Any) -> str:
    """``value`` as one line of Markdown text that every renderer shows as itself."""
    text = _LINE_BREAKS.sub(" ", str(value)).strip()
    text = "".join(_escaped(text, i) for i in range(len(text)))
    if text[:1] in _LINE_START:
        return "\\" + text
    return _ORDERED.sub(r"\1\\\2", text, count=1)


def _escaped(text: str, i: int) -> str:
    """One character; an ``_`` inside a word (``device_id``) cannot emphasise and stays bare."""
    c = text[i]
    if c == "_" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum():
        return c
    if c == "." and _joins_domain(text, i):
        return "&#46;"
    if c == ":" and (text[i + 1 : i + 3] == "//" or text[:i].lower().endswith(("mailto", "xmpp"))):
        return "&#58;"
    return _ENTITIES.get(c) or (f"\\{c}" if c in _INLINE else c)


def _joins_domain(text: str, i: int) -> bool:
    """A ``.`` that a linkifier could read as part of a host name (``www.x``, ``plant.cn``,
    ``0.AC``, ``a+.ac``): after ``www``, or after any character but a space and before two
    letters or more (a top-level domain is never one letter; linkifiers take ``+``, ``~`` and
    more into a host). An entity there splits the text so no renderer
    makes it a link; ``12.5`` and ``kW.h`` stay as they are."""
    if text[max(0, i - 3) : i].lower() == "www":
        return True
    before, after = text[i - 1 : i], text[i + 1 : i + 3]
    return len(after) == 2 and after.isalpha() and not before.isspace()


def markdown_code(value: Any) -> str:
    """``value`` as an inline code span: literal in every renderer, safe inside a table cell."""
    text = _LINE_BREAKS.sub(" ", str(value)).replace("|", "\\|")
    if not text:
        return ""
    fence = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_environment(loader: Any, **options: Any) -> Any:
    """A jinja2 environment for Markdown: every ``{{ … }}`` is escaped unless a filter made it.

    ``code`` makes a code span, ``bare`` passes an identifier (``[A-Za-z0-9._:+/=-]``) as is
    for code blocks and link targets (anything else is escaped).
    """
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=loader,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=lambda v: v if isinstance(v, Markup) else escape_markdown(v),
        **options,
    )
    env.filters["code"] = lambda v: Markup(markdown_code(v))
    env.filters["bare"] = lambda v: Markup(v) if _IDENTIFIER.fullmatch(str(v)) else v
    return env
