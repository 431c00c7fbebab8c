"""The ``topics`` command line: one module per command, this file dispatches."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from topics import __version__
from topics.cli import (
    assign,
    cache,
    compare,
    evaluate,
    report,
    run,
    sweep,
    update,
    validate,
)
from topics.cli._util import EXIT_CONFIG_ERROR, setup_logging

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="topics",
        description="Topic modelling and research-trend analysis of paper abstracts.",
    )
    parser.add_argument("--version", action="version", version=f"topics {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in (run, update, compare, sweep, assign, report, evaluate, validate, cache):
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_CONFIG_ERROR
    setup_logging(args.verbose - args.quiet)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
