"""The readiness report as one self-contained HTML page, and the same page as a PDF.

The HTML holds its CSS and its charts (PNG data URIs) inline and refers to nothing outside
itself, which its Content-Security-Policy tag enforces; every value is autoescaped.
Chinese text uses the WenQuanYi font by its fontconfig name, which WeasyPrint finds on the
machine that renders the PDF (a browser falls back to its own CJK font).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.govern.readiness._charts import charts
from assay.govern.readiness._snippets import snippets
from schemas import CONTENT_SECURITY_POLICY

_TEMPLATES = Path(__file__).parent / "templates"
TREATMENTS = {
    "kept": "保留 kept",
    "granted": "授权保留 granted",
    "dropped": "删除 dropped",
    "pseudonymised": "假名化 pseudonymised",
}


def render_html(figures: dict[str, Any], endpoint: str, bucket: str) -> str:
    """The report page: figures, charts drawn from them, and load snippets for ``endpoint``."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    r = figures["release"]
    return env.get_template("readiness.html.j2").render(
        f=figures,
        charts=charts(figures),
        sites=sorted({s for v in figures["volume"] for s in v["sites"]}),
        treatments=TREATMENTS,
        csp=CONTENT_SECURITY_POLICY,
        location=f"{bucket}/{r['contract']}/{r['version']}/",
        snippets=snippets(endpoint, bucket, r["contract"], r["version"]),
    )


def render_pdf(html: str) -> bytes:
    """The page as an A4 PDF; only ``data:`` URIs may be read, any other fetch is an error."""
    import logging

    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # WeasyPrint logs every unsupported CSS property at WARNING; none of them matters here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf
