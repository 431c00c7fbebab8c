"""The HTML report of a run, rendered only from the files the run saved.

``render_report(run_dir)`` reads ``manifest.json`` and ``data/`` and writes
``index.html`` (overview, theme trends, topics and map, data quality, run
details), ``changes.html`` (what changed since the run it replaced, from
``data/changes.json``), ``themes/<slug>.html``, ``topics/<id>.html`` and
``assets/`` (one copy of plotly.js plus our CSS and JS) into the same
directory. ``render_comparison`` writes the same "What changed" page for
``topics compare``. Nothing is
refitted, so ``topics report RUN_DIR`` can re-render a finished run; the
output is byte-identical for the same input.

The report works offline (no CDN, no web fonts) and escapes every text that
comes from the corpus, in HTML and in the chart data embedded in pages.
"""

from __future__ import annotations

from topics.report._load import RunData, load_run
from topics.report._options import ReportOptions, ReportStats
from topics.report._render import (
    REPORT_ENTRIES,
    render_changes_page,
    render_comparison,
    render_report,
)

__all__ = [
    "REPORT_ENTRIES",
    "ReportOptions",
    "ReportStats",
    "RunData",
    "load_run",
    "render_changes_page",
    "render_comparison",
    "render_report",
]
