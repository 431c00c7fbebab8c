"""`topics compare RUN_A RUN_B`: the "What changed" page for any two finished runs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from topics.cli._util import (
    EXIT_OK,
    add_common_arguments,
    add_section_overrides,
    guarded,
    report_options_from_args,
)
from topics.results import CHANGES_FILE


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="what changed between two runs: new papers per theme and topic, trend changes, "
        "moved papers (a page and its data)",
    )
    add_common_arguments(parser)
    parser.add_argument("run_a", type=Path, help="the older run directory, e.g. reports/old")
    parser.add_argument("run_b", type=Path, help="the newer run directory, e.g. reports/default")
    parser.add_argument(
        "--out",
        type=Path,
        help="folder to write (default: <RUN_B>--vs--<RUN_A> beside RUN_B); an earlier "
        "comparison there is replaced, any other folder is refused",
    )
    parser.add_argument(
        "--min-overlap",
        type=float,
        default=0.5,
        help="topics of two different fits are the same topic from this Jaccard overlap of "
        "their papers (default 0.5)",
    )
    add_section_overrides(parser, "report", "report.max_rows=50")
    parser.set_defaults(func=guarded(compare_cli))


def compare_cli(args: argparse.Namespace) -> int:
    from topics.pipeline import compare  # heavy imports only once the arguments parse

    options = report_options_from_args(args, args.run_b)
    out = compare(args.run_a, args.run_b, args.out, min_overlap=args.min_overlap, options=options)
    totals = json.loads((out / CHANGES_FILE).read_text(encoding="utf-8"))["totals"]
    print(
        f"compare: {out / 'index.html'} ({totals['added']} new papers, {totals['gone']} gone, "
        f"{totals['moved']} moved; {totals['status_changes']} trend statuses changed)"
    )
    return EXIT_OK
