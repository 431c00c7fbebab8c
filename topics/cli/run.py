"""`topics run CONFIG` and `topics ingest CONFIG`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from topics.cli._util import (
    EXIT_OK,
    EXIT_RUN_ERROR,
    add_config_arguments,
    config_from_args,
    guarded,
    print_table,
)
from topics.stages import STAGES

if TYPE_CHECKING:
    from topics.pipeline import RunResult


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("run", help="run a configured experiment end to end")
    add_config_arguments(parser)
    add_run_arguments(parser)
    parser.set_defaults(func=guarded(run_cli))
    parser = subparsers.add_parser(
        "ingest", help="read, clean and deduplicate the sources; write the corpus"
    )
    add_config_arguments(parser)
    add_run_arguments(parser)
    parser.set_defaults(func=guarded(ingest_cli))


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force",
        choices=STAGES,
        metavar="STAGE",
        help=f"ignore the cache from this stage on ({', '.join(STAGES)})",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="if another run of this experiment is in progress, wait for it instead of failing",
    )


def run_cli(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    from topics.pipeline import run  # heavy imports only once the config is valid

    return _finish(run(config, force=args.force, wait=args.wait))


def ingest_cli(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    from topics.pipeline import run

    return _finish(run(config, until="dedupe", force=args.force, wait=args.wait))


def _finish(result: RunResult) -> int:
    print_summary(result)
    return EXIT_RUN_ERROR if result.failed else EXIT_OK


def print_summary(result: RunResult) -> None:
    report, papers = result.ingest_report, result.papers
    print("sources:")
    print_table(
        [
            (s["file"], s["format"], s["records"], s["errors"], s["warnings"])
            for s in report["sources"]
        ],
        ("file", "format", "records", "errors", "warnings"),
    )
    print(
        f"{report['records']} records -> {len(papers)} papers "
        f"({report['merged_papers']} merged from several records, "
        f"{report['undated_papers']} undated)"
    )
    for source in report["sources"]:
        if source["failed"]:
            print(f"FAILED: {source['file']}")
    print("stages:")
    print_table(
        [(name, how, f"{result.timings[name]:.2f} s") for name, how in result.stages.items()],
        ("stage", "status", "time"),
    )
    print(f"output: {result.run_dir}")
