"""`topics validate CONFIG`: check a config without running anything."""

from __future__ import annotations

import argparse
import sys

from topics.cli._util import (
    EXIT_CONFIG_ERROR,
    EXIT_OK,
    add_config_arguments,
    config_from_args,
    guarded,
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check a config and its sources' files and columns without running it",
    )
    add_config_arguments(parser)
    parser.add_argument(
        "--print",
        dest="print_config",
        action="store_true",
        help="print the resolved config: every key, with defaults, extends and --set applied",
    )
    parser.set_defaults(func=guarded(validate_cli))


def validate_cli(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.print_config:
        import yaml

        print(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), end="")
        return EXIT_OK
    from topics.ingest.preflight import check_sources

    check = check_sources(config)
    for warning in check.warnings:
        print(f"warning: {args.config}: {warning}", file=sys.stderr)
    if check.problems:
        noun = "problem" if len(check.problems) == 1 else "problems"
        print(f"error: {args.config}: {len(check.problems)} source {noun}:", file=sys.stderr)
        for problem in check.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    print(f"{args.config}: valid (experiment {config.experiment!r}, output {config.run_dir})")
    return EXIT_OK
