"""Do the fast tiers keep the themes? Unassigned share and theme agreement against MiniLM.

The fast tier of ``configs/arxiv_archive_fast.yaml`` (``static``) must leave
about as many archive papers without a theme as MiniLM does: the old
tfidf-svd tier left 190,096 of 195,941 unassigned. This script runs the real
pipeline (``python -m topics run``, as a user would) with that config on a
seeded 10k sample of the archive's papers, once per embedding backend
(MiniLM, ``static``, ``tfidf-svd``), and reports for each:

* the share of papers with no theme (``themes == unassigned`` in ``papers.csv``);
* papers per theme, and precision, recall and F1 of each theme against MiniLM
  on the same papers (MiniLM as the reference);
* the run's wall time.

With ``--archive-run DIR`` it also reads the unassigned share of a finished
whole-archive run (``reports/arxiv-archive-2019-fast``), the number the issue
compares with MiniLM's on the sample.

Vectors go to ``--work/embeddings``, so a second invocation embeds nothing
(MiniLM takes about 6 minutes for 10k papers on 2 idle cores).

Usage::

    .venv/bin/python benchmarks/bench_unassigned.py \\
        --archive-run reports/arxiv-archive-2019-fast \\
        --json benchmarks/results/unassigned_10k.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO.parent / "shared" / "corpora" / "arxiv-archive-2019"
CONFIG = REPO / "configs" / "arxiv_archive_fast.yaml"
# The columns that configs/arxiv_archive.yaml maps.
COLUMNS = [
    "arxiv_id",
    "title",
    "abstract",
    "created",
    "author_text",
    "primary_cat",
    "doi",
    "comments",
]
BACKENDS = {
    # MiniLM one small batch at a time: 4,096 texts through a transformer would need GBs.
    "minilm": ["embedding.backend=sentence-transformers", "embedding.batch_size=32"],
    "static": ["embedding.backend=static"],
    "tfidf-svd": ["embedding.backend=tfidf-svd"],
}


def write_sample(n: int, seed: int, path: Path) -> int:
    """``n`` archive rows with distinct arXiv ids, drawn with ``seed``, as a TSV."""
    if path.exists():
        return sum(1 for _ in path.open(encoding="utf-8")) - 1
    frames = [
        pd.read_csv(file, sep="\t", usecols=COLUMNS, dtype=str, keep_default_na=False)
        for file in sorted(ARCHIVE.glob("*.tsv.xz"))
    ]
    rows = pd.concat(frames, ignore_index=True).drop_duplicates("arxiv_id")
    sample = rows.sample(n=n, random_state=seed)[COLUMNS]
    path.parent.mkdir(parents=True, exist_ok=True)
    sample.to_csv(path, sep="\t", index=False)
    return len(sample)


def run_backend(name: str, sample: Path, work: Path) -> dict[str, Any]:
    """``topics run`` of the fast config on the sample with backend ``name``."""
    overrides = [
        f"sources.0.path={sample}",
        f"output_dir={work / 'reports'}",
        f"experiment=unassigned-{name}",
        f"embedding.cache_dir={work / 'embeddings'}",
        *BACKENDS[name],
    ]
    command = [sys.executable, "-m", "topics", "run", str(CONFIG), "-q"]
    for override in overrides:
        command += ["--set", override]
    print(f"running {name} ...", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if completed.returncode not in (0, 1):  # 1: some rows were reported, the run finished
        raise SystemExit(f"{name}: exit {completed.returncode}\n{completed.stderr[-3000:]}")
    return {"run_dir": str(work / "reports" / f"unassigned-{name}"), "wall_seconds": seconds}


def theme_table(run_dir: Path) -> pd.DataFrame:
    """Boolean paper × theme table of a run's ``papers.csv`` (index: paper_id)."""
    papers = pd.read_csv(
        run_dir / "data" / "papers.csv",
        usecols=["paper_id", "themes"],
        dtype=str,
        keep_default_na=False,
    ).set_index("paper_id")
    lists = papers["themes"].map(lambda s: [] if s in ("", "unassigned") else s.split(";"))
    names = sorted({theme for themes in lists for theme in themes})
    table = pd.DataFrame(
        {name: lists.map(lambda themes, n=name: n in themes) for name in names},
        index=papers.index,
    )
    return table


def unassigned_share(table: pd.DataFrame) -> float:
    return float((~table.any(axis=1)).mean()) if len(table.columns) else 1.0


def agreement(reference: pd.DataFrame, other: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per theme: papers in each, and precision, recall, F1 of ``other`` against ``reference``."""
    common = reference.index.intersection(other.index)
    themes = sorted(set(reference.columns) | set(other.columns))
    truth = reference.reindex(index=common, columns=themes, fill_value=False).to_numpy(bool)
    pred = other.reindex(index=common, columns=themes, fill_value=False).to_numpy(bool)
    tp = (truth & pred).sum(0)
    precision = tp / np.maximum(pred.sum(0), 1)
    recall = tp / np.maximum(truth.sum(0), 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    rows = {
        theme: {
            "reference": int(truth[:, i].sum()),
            "assigned": int(pred[:, i].sum()),
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
        }
        for i, theme in enumerate(themes)
    }
    rows["macro"] = {"f1": float(np.mean(f1)) if len(themes) else 0.0}
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/topics-bench-unassigned"))
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma list")
    parser.add_argument("--archive-run", type=Path, help="a finished whole-archive run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    sample = args.work / f"sample-{args.n}-seed{args.seed}.tsv"
    result: dict[str, Any] = {
        "sample": {"rows": write_sample(args.n, args.seed, sample), "seed": args.seed},
        "config": str(CONFIG.relative_to(REPO)),
        "load_average_at_start": os.getloadavg(),
        "backends": {},
    }
    tables: dict[str, pd.DataFrame] = {}
    for name in args.backends.split(","):
        info = run_backend(name, sample, args.work)
        tables[name] = theme_table(Path(info["run_dir"]))
        info["papers"] = len(tables[name])
        info["unassigned_share"] = unassigned_share(tables[name])
        info["papers_per_theme"] = {k: int(v) for k, v in tables[name].sum().items()}
        result["backends"][name] = info
    if "minilm" in tables:
        for name, table in tables.items():
            if name != "minilm":
                result["backends"][name]["against_minilm"] = agreement(tables["minilm"], table)
    if args.archive_run is not None:
        whole = theme_table(args.archive_run)
        result["archive_run"] = {
            "run_dir": str(args.archive_run),
            "papers": len(whole),
            "unassigned": int((~whole.any(axis=1)).sum()),
            "unassigned_share": unassigned_share(whole),
            "papers_per_theme": {k: int(v) for k, v in whole.sum().items()},
        }
    result["load_average_at_end"] = os.getloadavg()
    print_summary(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


def print_summary(result: dict[str, Any]) -> None:
    print(f"\n{result['sample']['rows']} sampled archive rows, {result['config']}")
    print(f"{'backend':<11}{'papers':>8}{'unassigned':>12}{'macro-F1 vs MiniLM':>20}{'wall s':>9}")
    for name, info in result["backends"].items():
        macro = info.get("against_minilm", {}).get("macro", {}).get("f1")
        cell = "-" if macro is None else f"{macro:.2f}"
        print(
            f"{name:<11}{info['papers']:>8}{info['unassigned_share']:>12.1%}{cell:>20}"
            f"{info['wall_seconds']:>9.0f}"
        )
    if "archive_run" in result:
        whole = result["archive_run"]
        print(
            f"whole archive run: {whole['unassigned']:,} of {whole['papers']:,} papers "
            f"unassigned ({whole['unassigned_share']:.1%})"
        )


if __name__ == "__main__":
    main()
