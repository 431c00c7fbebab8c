"""`topics report RUN_DIR`: re-render the HTML report from a run's saved results."""

from __future__ import annotations

import argparse
from pathlib import Path

from topics.cli._util import EXIT_OK, add_common_arguments, guarded


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report", help="re-render a run's HTML report from its saved data, without refitting"
    )
    add_common_arguments(parser)
    parser.add_argument("run_dir", type=Path, help="a run directory, e.g. reports/default")
    parser.set_defaults(func=guarded(report_cli))


def report_cli(args: argparse.Namespace) -> int:
    # jinja2 and plotly load only for this command
    from topics.report import ReportOptions, render_report

    stats = render_report(args.run_dir, options=ReportOptions.from_run(args.run_dir))
    print(
        f"report: {args.run_dir / 'index.html'} ({stats.pages} pages, "
        f"{stats.total_bytes / 1e6:.1f} MB, {stats.seconds:.1f} s)"
    )
    return EXIT_OK
