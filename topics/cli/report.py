"""`topics report RUN_DIR [--set report.KEY=VALUE]`: re-render the HTML report.

It reads the run's saved results and its own report options; ``--set``
changes those options for this rendering only (the next ``topics report``
without it uses the run's again).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from topics.cli._util import (
    EXIT_OK,
    add_common_arguments,
    add_section_overrides,
    guarded,
    report_options_from_args,
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report", help="re-render a run's HTML report from its saved data, without refitting"
    )
    add_common_arguments(parser)
    parser.add_argument("run_dir", type=Path, help="a run directory, e.g. reports/default")
    add_section_overrides(parser, "report", "report.max_papers=200")
    parser.set_defaults(func=guarded(report_cli))


def report_cli(args: argparse.Namespace) -> int:
    # jinja2 and plotly load only for this command
    from topics.report import render_report

    stats = render_report(args.run_dir, options=report_options_from_args(args))
    print(
        f"report: {args.run_dir / 'index.html'} ({stats.pages} pages, "
        f"{stats.total_bytes / 1e6:.1f} MB, {stats.seconds:.1f} s)"
    )
    return EXIT_OK
