"""Producer text in Markdown and HTML pages is shown as text and never runs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from inert_markup import PAYLOADS, executable_markup, links, markdown_pages, policies
from schemas_testkit import energy, replace, spec, with_field

from schemas import CONTENT_SECURITY_POLICY, escape_markdown, render_html, render_markdown


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(page: str) -> str:
    """The text a reader sees, whitespace collapsed."""
    parser = _Text()
    parser.feed(page)
    return " ".join("".join(parser.parts).split())


def _inert(page: str) -> None:
    assert executable_markup(page) == []
    assert links(page) == []
    assert "<img" not in page and "<svg" not in page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_renderer_shows_a_payload_as_text(payload: str) -> None:
    for renderer, page in markdown_pages(escape_markdown(payload)).items():
        _inert(page)
        assert shown(page) == " ".join(payload.split()), renderer


#: Any text a producer may send, with Markdown's and HTML's punctuation drawn often. NUL is
#: left out: CommonMark shows it as U+FFFD, which is safe but not the same text.
TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"))
    | st.sampled_from("\n\r\t<>&\"'`*_[](){}#+-.!|~=:\\/ 1")
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_arbitrary_text_renders_as_itself_and_runs_nothing(text: str) -> None:
    for renderer, page in markdown_pages("x " + escape_markdown(text)).items():
        _inert(page)
        assert shown(page) == " ".join(("x " + text).split()), renderer


#: Bare host names a linkifier turns into links (``plant.cn``, ``0.AC``, ``www.x``), in text.
HOSTS = st.from_regex(
    r"[\w~%+!$&*=@:-]{0,6}(\.[A-Za-z][A-Za-z0-9]{1,5}){1,3}(/[\w.]{0,4})?", fullmatch=True
)


@settings(max_examples=300, deadline=None)
@given(st.lists(HOSTS | TEXT, min_size=1, max_size=4).map(" ".join))
def test_host_names_in_text_never_become_links(text: str) -> None:
    for renderer, page in markdown_pages("x " + escape_markdown(text)).items():
        _inert(page)
        assert shown(page) == " ".join(("x " + text).split()), renderer


def _hostile_contract():  # type: ignore[no-untyped-def]
    hostile = {"zh": "<script>alert(1)</script>", "en": '"><img src=x onerror=alert(1)>'}
    contract = replace(energy(), title=hostile, description=hostile, owner="[x](javascript:a)")
    field = spec(
        type="string",
        unit=None,
        min=None,
        max=None,
        pattern="^(<script>|javascript:.*)$",
        description={"zh": "| <iframe src=javascript:alert(1)> |", "en": "![x](javascript:1)"},
    )
    return with_field(contract, "mode", field)


def test_dictionary_markdown_of_a_hostile_contract_runs_nothing() -> None:
    page = render_markdown(_hostile_contract())
    for renderer, rendered in markdown_pages(page).items():
        assert executable_markup(rendered) == [], renderer
        assert links(rendered) == [], renderer
        assert "<img" not in rendered, renderer


def test_dictionary_html_of_a_hostile_contract_runs_nothing() -> None:
    page = render_html(_hostile_contract())
    assert executable_markup(page) == []
    assert "<img" not in page and "<iframe" not in page
    assert policies(page) == [CONTENT_SECURITY_POLICY]
