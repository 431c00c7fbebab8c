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

if TYPE_CHECKING:
    from topics.pipeline import RunResult


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("run", help="run a configured experiment end to end")
    add_config_arguments(parser)
    parser.set_defaults(func=guarded(run_cli))
    parser = subparsers.add_parser(
        "ingest", help="read, clean and deduplicate the sources; write the corpus"
    )
    add_config_arguments(parser)
    parser.set_defaults(func=guarded(ingest_cli))


def run_cli(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    from topics.pipeline import run  # heavy imports only once the config is valid

    return _finish(run(config))


def ingest_cli(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    from topics.pipeline import run

    return _finish(run(config, until="corpus"))


def _finish(result: RunResult) -> int:
    print_summary(result)
    return EXIT_RUN_ERROR if result.failed else EXIT_OK


def print_summary(result: RunResult) -> None:
    ingested, papers = result.ingest, result.corpus.papers
    print("sources:")
    print_table(
        [
            (
                s.path,
                s.format,
                len(s.records),
                sum(i.severity == "error" for i in s.issues),
                sum(i.severity == "warning" for i in s.issues),
            )
            for s in ingested.sources
        ],
        ("file", "format", "records", "errors", "warnings"),
    )
    merged = int((papers["n_records"] > 1).sum())
    undated = int(papers["year"].isna().sum())
    print(
        f"{len(ingested.records)} records -> {len(papers)} papers "
        f"({merged} merged from several records, {undated} undated)"
    )
    for source in ingested.failed_sources:
        print(f"FAILED: {source.path}")
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items())
    print(f"stages: {timings}")
    print(f"output: {result.run_dir}")
