"""`topics evaluate RUN_DIR`: quality metrics of a finished run, then the report again.

Writes ``data/evaluation.json`` (see :func:`topics.evaluate.evaluate_run`),
prints the numbers, and re-renders the run's report so that its Evaluation
section shows them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from topics.cli._util import (
    EXIT_CONFIG_ERROR,
    EXIT_OK,
    add_common_arguments,
    add_section_overrides,
    guarded,
    print_table,
    report_options_from_args,
)

# Label rows printed when some do not match; all of them are in data/evaluation.json.
_MAX_PRINTED_ISSUES = 10


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="coherence, diversity, outliers, seed stability and theme accuracy of a run",
    )
    add_common_arguments(parser)
    parser.add_argument("run_dir", type=Path, help="a run directory, e.g. reports/default")
    parser.add_argument(
        "--labels",
        type=Path,
        metavar="FILE",
        help="CSV of hand-labelled themes (paper_id, arxiv_id or title; themes) for "
        "precision, recall and F1 per theme",
    )
    parser.add_argument(
        "--seeds",
        type=_non_negative_int,
        default=0,
        metavar="K",
        help="refit the topic model with K other seeds and measure how stable it is "
        "(default 0: no refit)",
    )
    add_section_overrides(parser, "report", "report.max_papers=200")
    parser.set_defaults(func=guarded(evaluate_cli))


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0; got {value}")
    return value


def evaluate_cli(args: argparse.Namespace) -> int:
    if not args.run_dir.is_dir():
        print(f"error: {args.run_dir} is not a directory", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    if args.labels is not None and not args.labels.is_file():
        print(f"error: labels file {args.labels} not found", file=sys.stderr)
        return EXIT_CONFIG_ERROR
    options = report_options_from_args(args)  # a bad --set fails before the refits
    from topics.evaluate import EVALUATION_FILE, evaluate_run
    from topics.report import render_report

    result = evaluate_run(
        args.run_dir, labels=args.labels, stability_seeds=args.seeds, progress=_progress
    )
    print_evaluation(result)
    print(f"\nsaved: {args.run_dir / EVALUATION_FILE}")
    stats = render_report(args.run_dir, options=options)
    print(f"report: {stats.index} ({stats.pages} pages, {stats.seconds:.1f} s)")
    return EXIT_OK


def _progress(seeds: Iterable[int]) -> Iterable[int]:
    from tqdm.auto import tqdm

    return tqdm(list(seeds), desc="Refitting", unit="seed", disable=not sys.stderr.isatty())


def print_evaluation(result: Mapping[str, Any]) -> None:
    """The numbers of an evaluation as plain-text tables."""
    coherence, outliers = result["coherence"], result["outliers"]
    rows: list[tuple[str, str]] = [
        ("topics", str(result["n_topics"])),
        (f"coherence (NPMI, top {coherence['top_n']})", _num(coherence["mean"])),
        (f"diversity (top {result['diversity']['top_n']})", _num(result["diversity"]["value"])),
        ("outliers before reduction", _pct(outliers["before_reduction"])),
        ("outliers after reduction", _pct(outliers["after_reduction"])),
    ]
    stability = result.get("stability")
    if stability:
        rows.append(("seeds compared", ", ".join(str(s) for s in stability["seeds"])))
        rows.append(("ARI mean (min)", f"{_num(stability['ari']['mean'])} "
                     f"({_num(stability['ari']['min'])})"))  # fmt: skip
        for name, match in stability["topic_match"].items():
            if match:
                rows.append(
                    (
                        f"matched topics, {name} (sim >= {match['threshold']})",
                        f"{_pct(match['share_matched'])}, mean sim "
                        f"{_num(match['mean_similarity'])}",
                    )
                )
    print_table(rows, ("metric", "value"))
    print()
    print_table(
        [(t["topic"], _num(t["npmi"]), _clip(t["label"], 60)) for t in coherence["per_topic"]],
        ("topic", "NPMI", "label"),
    )
    if result.get("themes"):
        print()
        _print_themes(result["themes"])


def _print_themes(themes: Mapping[str, Any]) -> None:
    rows = [
        (t["theme"], t["support"], t["predicted"], _num(t["precision"]), _num(t["recall"]),
         _num(t["f1"]))
        for t in themes["per_theme"]
    ]  # fmt: skip
    for name in ("micro", "macro"):
        avg = themes[name]
        rows.append((f"({name})", "", "", _num(avg["precision"]), _num(avg["recall"]),
                     _num(avg["f1"])))  # fmt: skip
    print(
        f"themes: {themes['n_matched_papers']} labelled papers matched "
        f"from {themes['n_label_rows']} rows of {themes['labels_file']}"
    )
    print_table(rows, ("theme", "labelled", "assigned", "precision", "recall", "F1"))
    issues = themes["issues"]
    if issues:
        print(f"\n{len(issues)} label row(s) not used:")
        for issue in issues[:_MAX_PRINTED_ISSUES]:
            excerpt = f" ({_clip(issue['excerpt'], 60)})" if issue["excerpt"] else ""
            print(f"  line {issue['line']}: {issue['reason']}{excerpt}")
        if len(issues) > _MAX_PRINTED_ISSUES:
            print(f"  ... {len(issues) - _MAX_PRINTED_ISSUES} more in data/evaluation.json")


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
