"""Time the trends stage on 10k papers and on the whole shared arXiv archive (~197k).

Texts and years are real (the archive's abstracts and first-version dates);
memberships are synthetic but shaped like real ones: 12 multi-label themes
whose share drifts with the year (about 1.5 themes per paper) and 50 topics,
one per paper. Timings are split by step because the keyword step
(CountVectorizer with bigrams, min_df=1) dominates on large corpora.

    .venv/bin/python benchmarks/bench_trends.py [--sizes 10000 0]   # 0 = all papers
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd

from topics.ingest.arxiv_ids import normalize_arxiv_id
from topics.trends import (
    TrendOptions,
    by_year,
    compute_trends,
    corpus_years,
    topic_keywords_by_year,
    trend_table,
)

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO.parent / "shared" / "corpora" / "arxiv-archive-2019"
END = date(2020, 1, 2)  # the archive's harvest finished then
N_THEMES = 12
N_TOPICS = 50


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_archive() -> pd.DataFrame:
    """Unique papers of every category file: paper_id, year, text."""
    frames = [
        pd.read_csv(path, sep="\t", usecols=["arxiv_id", "abstract", "created"], dtype=str)
        for path in sorted(ARCHIVE.glob("*.tsv.xz"))
    ]
    raw = pd.concat(frames, ignore_index=True)
    raw["paper_id"] = raw["arxiv_id"].map(normalize_arxiv_id)
    papers = raw.dropna(subset=["paper_id"]).drop_duplicates("paper_id")
    created = pd.to_datetime(papers["created"], format="%Y-%m-%d", errors="coerce")
    return pd.DataFrame(
        {
            "paper_id": papers["paper_id"].to_numpy(),
            "year": created.dt.year.astype("Int64").to_numpy(),
            "text": papers["abstract"].fillna("").to_numpy(),
        }
    )


def synthetic_memberships(papers: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Themes with year-dependent shares (multi-label) and one topic per paper."""
    rng = np.random.default_rng(seed)
    ids = papers["paper_id"].to_numpy()
    year = papers["year"].fillna(2010).to_numpy(dtype=np.float64)
    frames = []
    for theme in range(N_THEMES):
        drift = rng.uniform(-0.15, 0.15)
        base = rng.uniform(0.05, 0.2)
        p = np.clip(base * np.exp(drift * (year - 2010)), 0, 0.9)
        chosen = ids[rng.random(len(ids)) < p]
        frames.append(pd.DataFrame({"kind": "theme", "name": f"theme {theme}", "paper_id": chosen}))
    topic = rng.integers(0, N_TOPICS, len(ids)).astype(str)
    frames.append(pd.DataFrame({"kind": "topic", "name": topic, "paper_id": ids}))
    return pd.concat(frames, ignore_index=True)


def timed(label: str, func: Callable[[], T]) -> T:
    """Run ``func`` and print its wall-clock and CPU time (the machine may be shared)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"  {label:<24}{wall:7.2f} s wall {cpu:7.2f} s CPU", flush=True)
    return result


def bench(papers: pd.DataFrame) -> None:
    members = synthetic_memberships(papers)
    options = TrendOptions()
    print(f"papers {len(papers):,}  memberships {len(members):,}", flush=True)
    themes = timed(
        "by_year themes", lambda: by_year(papers, members, "theme", options, reference_date=END)
    )
    topics = timed(
        "by_year topics", lambda: by_year(papers, members, "topic", options, reference_date=END)
    )
    timed("trend_table", lambda: trend_table(pd.concat([themes, topics]), options, END))
    topic_rows = members[members["kind"] == "topic"]
    topic_of_paper = pd.Series(topic_rows["name"].to_numpy(), index=topic_rows["paper_id"])
    timed(
        "topic_keywords_by_year",
        lambda: topic_keywords_by_year(papers, topic_of_paper, options.keyword_top_n),
    )
    timed("corpus_years", lambda: corpus_years(papers, END, options))
    timed(
        "compute_trends (all)",
        lambda: compute_trends(papers, members, reference_date=END, options=options),
    )
    print(f"  peak RSS so far         {peak_rss_mb():7.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 0])
    args = parser.parse_args()
    if not ARCHIVE.is_dir():
        raise SystemExit(f"shared arXiv archive not found at {ARCHIVE}")
    t0 = time.perf_counter()
    corpus = read_archive()
    print(
        f"read archive: {len(corpus):,} unique papers in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    for size in args.sizes:
        sample = corpus if size <= 0 or size >= len(corpus) else corpus.sample(size, random_state=0)
        bench(sample.reset_index(drop=True))


if __name__ == "__main__":
    main()
