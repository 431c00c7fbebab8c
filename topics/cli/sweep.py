"""`topics sweep CONFIG --grid KEY=V1,V2 ...`: run every combination and compare them."""

from __future__ import annotations

import argparse
from pathlib import Path

from topics.cli._util import (
    EXIT_OK,
    EXIT_RUN_ERROR,
    add_config_arguments,
    guarded,
    print_table,
)
from topics.stages import STAGES


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="run every combination of a grid of config values and compare the variants",
        description=(
            "Each combination of the --grid values runs as its own experiment "
            "(<experiment>--<key>-<value>...) in the same output directory, sharing "
            "the stage cache; the comparison goes to <output_dir>/<experiment>--sweep/."
        ),
    )
    add_config_arguments(parser)
    parser.add_argument(
        "--grid",
        action="append",
        default=[],
        required=True,
        metavar="KEY=V1,V2",
        help="values to try for a config key, e.g. --grid model.nr_topics=10,20 (repeatable)",
    )
    parser.add_argument(
        "--labels",
        type=Path,
        help="CSV of hand-labelled papers (paper id or title, and theme) for theme F1",
    )
    parser.add_argument(
        "--force", choices=STAGES, metavar="STAGE", help="ignore the cache from this stage on"
    )
    parser.set_defaults(func=guarded(sweep_cli))


def sweep_cli(args: argparse.Namespace) -> int:
    from topics.sweep import COLUMNS, plan_variants, run_sweep

    plan = plan_variants(args.config, args.grid, args.overrides)  # every variant validated
    print(f"sweep: {len(plan.variants)} variants")
    result = run_sweep(plan, labels=args.labels, force=args.force)
    shown = [c for c in COLUMNS if c not in ("experiment", "stages_cached")]
    print_table([[_cell(row[c]) for c in shown] for row in result.rows], shown)
    print(f"comparison: {result.out_dir / 'index.html'}")
    return EXIT_RUN_ERROR if result.failed else EXIT_OK


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
