"""What a rendered page could run: the check every page assay writes must pass.

``executable_markup`` parses HTML the way a browser tokenises it (``html.parser``) and lists
each element or attribute that could run code or navigate: ``<script>`` and friends,
``on…`` handlers, ``javascript:``/``vbscript:`` URLs, non-image ``data:`` URLs and meta
refreshes. ``markdown_pages`` renders Markdown with the renderers a reader is likely to
use (CommonMark with raw HTML on, GFM-like, mistune), so a card or a dictionary page is
checked as its readers see it.
"""

from __future__ import annotations

import re
import zlib
from html.parser import HTMLParser

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<javascript:alert(1)>",
    "| cell | <svg onload=alert(1)> |",
    "\n# heading\n<iframe src=javascript:alert(1)>",
    "`code` *em* _em_ {: onclick=alert(1)}",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "</code></pre><script>alert(1)</script>",
)

ACTIVE_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.links: list[str] = []
        self.policies: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ACTIVE_ELEMENTS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=>")
            elif name in URL_ATTRIBUTES and value is not None:
                self._url(tag, name, value)
            elif tag == "meta" and name == "http-equiv" and (value or "").lower() == "refresh":
                self.found.append("<meta http-equiv=refresh>")
        if tag == "meta" and dict(attrs).get("http-equiv") == "Content-Security-Policy":
            self.policies.append(dict(attrs).get("content") or "")

    handle_startendtag = handle_starttag

    def _url(self, tag: str, name: str, value: str) -> None:
        if tag == "a" and name == "href":
            self.links.append(value)
        url = _INVISIBLE.sub("", value).lower()
        scheme = url.split(":", 1)[0] if ":" in url else ""
        image = tag == "img" and name == "src" and url.startswith("data:image/")
        if scheme in {"javascript", "vbscript", "livescript"} or (scheme == "data" and not image):
            self.found.append(f"<{tag} {name}={value[:40]}>")


def _parsed(html: str) -> _Finder:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder


def executable_markup(html: str) -> list[str]:
    """Every element or attribute of ``html`` that could run script or navigate by itself."""
    return _parsed(html).found


def links(html: str) -> list[str]:
    """The ``href`` of every ``<a>`` in ``html``."""
    return _parsed(html).links


def policies(html: str) -> list[str]:
    """The Content-Security-Policy of every ``<meta http-equiv>`` in ``html``."""
    return _parsed(html).policies


#: PDF actions that run script, start programs, send data or open other documents.
PDF_ACTIONS = (
    b"/JavaScript",
    b"/JS",
    b"/Launch",
    b"/SubmitForm",
    b"/ImportData",
    b"/URI",
    b"/GoToR",
)


def pdf_actions(pdf: bytes) -> list[str]:
    """The actions a PDF holds, looked for in its objects and in every inflated stream."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    text = b"\n".join(parts)
    return [a.decode() for a in PDF_ACTIONS if re.search(re.escape(a) + rb"\b", text)]


def markdown_pages(text: str) -> dict[str, str]:
    """``text`` rendered as HTML by the Markdown renderers a reader may use."""
    import mistune
    from markdown_it import MarkdownIt

    return {
        "commonmark": MarkdownIt("commonmark", {"html": True}).render(text),
        "gfm-like": MarkdownIt("gfm-like", {"html": True}).render(text),
        "mistune": str(mistune.html(text)),
    }
