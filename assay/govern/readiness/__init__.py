"""Training-readiness reports: the evidence an enterprise attaches to a release.

``build_report`` reads one release (manifest and data files), its segments' validation
reports and the contract's quarantined rows, computes every figure with pure functions
(``readiness_figures``, stored as ``readiness.json``), and renders from those figures one
self-contained bilingual HTML page and its PDF. The report maps its evidence to the
clauses of the standards a reviewer checks (`standards_map`, versioned data in
``standards/``) and names the enterprise, its sites and the responsible steward
(`Organisation`, from settings). The three files go to a local folder and
to the reports bucket under ``readiness/<contract>/<version>/``.
"""

from assay.govern.readiness._figures import FORMAT, Organisation, readiness_figures
from assay.govern.readiness._inputs import Buckets, Inputs, RuleCheck, load_inputs
from assay.govern.readiness._quarantine import MASK
from assay.govern.readiness._render import render_html, render_pdf
from assay.govern.readiness._report import Report, build_report, dumps_figures, report_prefix
from assay.govern.readiness._standards import load_standards, standards_map

__all__ = [
    "FORMAT",
    "MASK",
    "Buckets",
    "Inputs",
    "Organisation",
    "Report",
    "RuleCheck",
    "build_report",
    "dumps_figures",
    "load_inputs",
    "load_standards",
    "readiness_figures",
    "render_html",
    "render_pdf",
    "report_prefix",
    "standards_map",
]
