"""`topics assign MODEL_DIR INPUT --out OUT.csv`: topics and themes for new papers."""

from __future__ import annotations

import argparse
from pathlib import Path

from topics.cli._util import (
    EXIT_OK,
    EXIT_RUN_ERROR,
    add_common_arguments,
    add_section_overrides,
    guarded,
    section_overrides,
)
from topics.config.schema import AssignConfig


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "assign", help="assign topics and themes to new papers with a saved model"
    )
    add_common_arguments(parser)
    parser.add_argument("model_dir", type=Path, help="a saved model, e.g. reports/default/model")
    parser.add_argument("input", type=Path, help="papers in any supported format")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument(
        "--format",
        default="auto",
        metavar="FORMAT",
        help="read INPUT with this reader (csv, tsv, jsonl, parquet, bibtex, arxiv_snapshot, "
        "arxiv_listing, ...) instead of detecting it",
    )
    parser.add_argument(
        "--evidence",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write every (paper, theme) score with its evidence to this CSV",
    )
    parser.add_argument(
        "--embedding-model",
        default=None,
        metavar="DIR",
        help="the local sentence-transformers directory the model was fitted with, if it "
        "was not the packaged one (a saved model never follows a path in its own files)",
    )
    add_section_overrides(parser, "assign", "assign.threshold=0.6")
    parser.set_defaults(func=guarded(assign_cli))


def assign_cli(args: argparse.Namespace) -> int:
    # Checked before the model loads: a wrong key fails at once, with exit code 2.
    values = section_overrides(
        args.overrides, AssignConfig, section="assign", command="topics assign",
        allowed=("threshold",),
    )  # fmt: skip
    from topics.api import assign_file  # torch loads only for this command

    result = assign_file(
        args.model_dir,
        args.input,
        args.out,
        fmt=args.format,
        evidence_path=args.evidence,
        embedding_model=args.embedding_model,
        threshold=values.get("threshold"),
    )
    for issue in result.issues:
        print(f"{issue.severity}: {issue}")
    if result.shared_ids:
        print(
            f"note: {result.shared_ids} rows share their paper_id with another row "
            "(records of one paper, which a run would merge)"
        )
    noun = "paper" if result.n_papers == 1 else "papers"
    print(f"{result.n_papers} {noun} assigned -> {args.out}")
    return EXIT_RUN_ERROR if result.failed else EXIT_OK
