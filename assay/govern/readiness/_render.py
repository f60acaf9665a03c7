"""The readiness report as one self-contained HTML page, and the same page as a PDF.

The PDF is what a reviewer prints: a one-page summary (who applies, the headline figures,
the standards at a glance), a table of contents whose page numbers WeasyPrint fills in
(``target-counter``), then the sections, every page numbered.

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
STATUSES = {
    "met": "满足 met",
    "partly": "部分满足 partly",
    "not_evidenced": "未提供证据 not evidenced",
}
#: The sections after the one-page summary, as the table of contents lists them.
TOC = (
    ("about", "1 数据集说明", "About the dataset"),
    ("volume", "2 数据规模", "Dataset volume"),
    ("coverage", "3 站点与设备覆盖", "Coverage per site and device"),
    ("quality", "4 数据质量（GB/T 36344-2018）", "Data quality (GB/T 36344-2018)"),
    ("quarantine", "5 主要隔离原因", "Top quarantine reasons"),
    ("fields", "6 分级与脱敏", "Classification and masking"),
    ("lineage", "7 数据血缘", "Lineage"),
    ("standards", "8 标准对照", "Standards map"),
    ("checksums", "9 校验和", "Checksums"),
    ("load", "10 如何加载数据", "How to load the data"),
)


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
        statuses=STATUSES,
        toc=TOC,
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
