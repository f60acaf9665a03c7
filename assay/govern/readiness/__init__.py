"""Training-readiness reports: the evidence an enterprise attaches to a release.

``build_report`` reads one release (manifest and data files), its segments' validation
reports and the contract's quarantined rows, computes every figure with pure functions
(``readiness_figures``, stored as ``readiness.json``), and renders from those figures one
self-contained bilingual HTML page and its PDF. The three files go to a local folder and
to the reports bucket under ``readiness/<contract>/<version>/``.
"""

from assay.govern.readiness._figures import FORMAT, readiness_figures
from assay.govern.readiness._inputs import Buckets, Inputs, RuleCheck, load_inputs
from assay.govern.readiness._quarantine import MASK
from assay.govern.readiness._render import render_html, render_pdf
from assay.govern.readiness._report import Report, build_report, dumps_figures, report_prefix

__all__ = [
    "FORMAT",
    "MASK",
    "Buckets",
    "Inputs",
    "Report",
    "RuleCheck",
    "build_report",
    "dumps_figures",
    "load_inputs",
    "readiness_figures",
    "render_html",
    "render_pdf",
    "report_prefix",
]
