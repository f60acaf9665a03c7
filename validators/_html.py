"""Data Docs as a page that shows every value and runs nothing.

GX's page renderer escapes the parameters of its sentence templates but writes others —
the unexpected values in its tables among them — into the page as they are, so a device
sending ``<script>…`` would have put a script into a page stewards open. Three steps make
the page inert whatever GX does:

1. ``tokenised``: before GX sees the result, every string that came from the data or the
   contract is swapped for a token of letters and digits, which no renderer changes;
2. ``restored``: in the rendered page each token becomes its text, HTML-escaped;
3. ``inert_page``: the page is parsed and written again without ``<script>``, frames,
   objects, ``<base>``, external stylesheets, ``on…`` handlers or ``javascript:`` URLs,
   with ``CONTENT_SECURITY_POLICY`` as the first thing in ``<head>`` (S3 servers cannot
   send that header). GX's page scripts and CDN styles go too: the policy would block
   them, and the page is complete without them. GX's vendor banner (the top bar with its
   logo, the newsletter footer) goes as well, and so do links to pages of a GX site that
   does not exist (Home, the suite page): an ``<a>`` keeps its text and only ``#`` links.
   In their place comes ``data_docs.css`` (ours, in this package), the layout the page
   needs from the Bootstrap it can no longer load, inside the page: nothing is fetched.
"""

from __future__ import annotations

import html
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from schemas import csp_meta

__all__ = ["inert_page", "restored", "tokenised"]

#: Keys whose values GX reads as structure (column names come from the contract's names).
_STRUCTURE = frozenset(
    {"column", "column_list", "column_A", "column_B", "batch_id", "result_format", "type"}
)
_TOKEN = re.compile(r"assayvalue(\d{8})z")
#: Dropped with everything inside them.
_DROPPED = frozenset({"script", "iframe", "frameset", "object", "applet", "noembed", "footer"})
#: GX's banner bar: ``<nav class="navbar … sticky-top …">`` (the table of contents stays).
_BANNER = "sticky-top"
#: Dropped; they have no content.
_VOID_DROPPED = frozenset({"base", "link", "embed", "frame"})
_URLS = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster"})
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
#: A ``url(…)`` in a stylesheet that would load something (GX's logo, its fonts).
_CSS_URL = re.compile(r"url\(\s*(?!['\"]?data:)[^)]*\)", re.IGNORECASE)


def tokenised(result: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of a validation result whose data and contract strings are tokens; the texts."""
    texts: list[str] = []

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            texts.append(value)
            return f"assayvalue{len(texts) - 1:08d}z"
        if isinstance(value, dict):
            return {k: v if k in _STRUCTURE else swap(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [swap(v) for v in value]
        return value

    items = [_item(item, swap) for item in result.get("results", ())]
    return {**result, "results": items}, texts


def _item(item: dict[str, Any], swap: Any) -> dict[str, Any]:
    config = dict(item.get("expectation_config") or {})
    for key in ("kwargs", "description"):
        if key in config:
            config[key] = swap(config[key])
    swapped = {**item, "expectation_config": config}
    for key in ("result", "exception_info"):
        if key in item:
            swapped[key] = swap(item[key])
    return swapped


def restored(page: str, texts: list[str]) -> str:
    """The page with every token replaced by its text, escaped for HTML text and attributes."""
    return _TOKEN.sub(lambda m: html.escape(texts[int(m[1])], quote=True), page)


def inert_page(page: str) -> str:
    """The page written again from its parse, without anything that runs, loads or navigates."""
    writer = _Writer()
    writer.feed(page)
    writer.close()
    text = "".join(writer.out)
    return text if writer.headed else csp_meta() + f"<style>{data_docs_css()}</style>" + text


@cache
def data_docs_css() -> str:
    """The layout a Data Docs page needs without Bootstrap; a stylesheet of this package."""
    return (Path(__file__).with_name("data_docs.css")).read_text(encoding="utf-8")


class _Writer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping: list[str] = []
        self.headed = False
        self.raw = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if (self.skipping and tag == self.skipping[0]) or (
            not self.skipping and _drops(tag, attrs)
        ):
            self.skipping.append(tag)  # counted, so a nested one does not end the skip early
        if self.skipping or tag in _VOID_DROPPED or _http_equiv(tag, attrs):
            return
        self.out.append(f"<{tag}{''.join(_attribute(tag, n, v) for n, v in attrs)}>")
        self.raw = tag == "style"
        if tag == "head" and not self.headed:
            self.out.append(csp_meta() + f"<style>{data_docs_css()}</style>")
            self.headed = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.skipping and tag not in _DROPPED:
            self.handle_starttag(tag, attrs)
        self.raw = False

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[-1]:
                self.skipping.pop()
            return
        if tag not in _VOID_DROPPED | _DROPPED:
            self.out.append(f"</{tag}>")
        self.raw = False

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(
                _CSS_URL.sub("none", data) if self.raw else html.escape(data, quote=False)
            )

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype"):
            self.out.append("<!DOCTYPE html>")


def _drops(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """True for an element dropped with its content: active ones, and GX's banner."""
    classes = (dict(attrs).get("class") or "").split()
    return tag in _DROPPED or (tag == "nav" and _BANNER in classes)


def _http_equiv(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """A ``<meta http-equiv>`` of the page (a refresh, a policy of its own): ours replaces it."""
    return tag == "meta" and any(n == "http-equiv" for n, _ in attrs)


def _attribute(tag: str, name: str, value: str | None) -> str:
    if name.startswith("on") or (name in _URLS and value is not None and _active(tag, value)):
        return ""
    if tag == "a" and name == "href" and not (value or "").startswith("#"):
        return ""  # a page of a GX site that is not there, or GX's own web site
    return f" {name}" if value is None else f' {name}="{html.escape(value, quote=True)}"'


def _active(tag: str, url: str) -> bool:
    """True for a URL that runs script or carries a document of its own."""
    plain = _INVISIBLE.sub("", url).lower()
    scheme = plain.split(":", 1)[0] if ":" in plain else ""
    image = tag == "img" and plain.startswith("data:image/")
    return scheme in {"javascript", "vbscript", "livescript"} or (scheme == "data" and not image)
