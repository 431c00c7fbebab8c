"""`topics report RUN_DIR`: re-render the HTML report from a run's saved results."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from topics.cli._util import EXIT_OK, add_common_arguments, guarded

if TYPE_CHECKING:
    from topics.report import ReportOptions


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report", help="re-render a run's HTML report from its saved data, without refitting"
    )
    add_common_arguments(parser)
    parser.add_argument("run_dir", type=Path, help="a run directory, e.g. reports/default")
    parser.set_defaults(func=guarded(report_cli))


def report_cli(args: argparse.Namespace) -> int:
    from topics.report import render_report  # jinja2 and plotly load only for this command

    stats = render_report(args.run_dir, options=_run_report_options(args.run_dir))
    print(
        f"report: {args.run_dir / 'index.html'} ({stats.pages} pages, "
        f"{stats.total_bytes / 1e6:.1f} MB, {stats.seconds:.1f} s)"
    )
    return EXIT_OK


def _run_report_options(run_dir: Path) -> ReportOptions | None:
    """The ``report:`` options the run was configured with, so a re-render matches it."""
    import dataclasses
    import json

    from topics.report import ReportOptions

    manifest = run_dir / "manifest.json"
    if not manifest.is_file():
        return None  # render_report names the missing file
    configured = json.loads(manifest.read_text("utf-8")).get("config", {}).get("report") or {}
    known = {f.name for f in dataclasses.fields(ReportOptions)}
    return ReportOptions(**{k: v for k, v in configured.items() if k in known})
