"""`topics assign MODEL_DIR INPUT --out OUT.csv`: topics and themes for new papers."""

from __future__ import annotations

import argparse
from pathlib import Path

from topics.cli._util import EXIT_OK, EXIT_RUN_ERROR, add_common_arguments, guarded


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "assign", help="assign topics and themes to new papers with a saved model"
    )
    add_common_arguments(parser)
    parser.add_argument("model_dir", type=Path, help="a saved model, e.g. reports/default/model")
    parser.add_argument("input", type=Path, help="papers in any supported format")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument("--format", default="auto", help="force the input format (default: detect)")
    parser.add_argument(
        "--evidence",
        type=Path,
        default=None,
        help="also write every (paper, theme) score with its evidence to this CSV",
    )
    parser.add_argument(
        "--embedding-model",
        default=None,
        metavar="DIR",
        help="the local sentence-transformers directory the model was fitted with, if it "
        "was not the packaged one (a saved model never follows a path in its own files)",
    )
    parser.set_defaults(func=guarded(assign_cli))


def assign_cli(args: argparse.Namespace) -> int:
    from topics.api import assign_file  # torch loads only for this command

    result = assign_file(
        args.model_dir,
        args.input,
        args.out,
        fmt=args.format,
        evidence_path=args.evidence,
        embedding_model=args.embedding_model,
    )
    for issue in result.issues:
        print(f"{issue.severity}: {issue}")
    print(f"{result.n_papers} papers assigned -> {args.out}")
    return EXIT_RUN_ERROR if result.failed else EXIT_OK
