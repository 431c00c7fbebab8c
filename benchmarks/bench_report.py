"""Time the HTML report of a 10k-paper run (or of the whole archive), and measure its size.

Targets (from the report's issue): under 10 s to render and under 15 MB on disk
for 10,000 papers. The run directory is synthetic but shaped like a real one:
titles, abstracts, arXiv ids and dates are real (a seeded sample of three
categories of the shared arXiv archive, or of all of it when more papers are
asked for than those three hold: ``--papers 196000`` is the whole archive);
12 themes are assigned by keyword rules on the abstract plus random extra
memberships (about 1.5 themes per paper, as in ``bench_trends.py``), with a
full paper × theme assignments table and its evidence JSON; ``--topics``
topics (5% outliers) sit in clusters on the 2-D map; ``data/evaluation.json``
has the shape ``topics evaluate`` writes, so the Evaluation section is rendered.

    .venv/bin/python benchmarks/bench_report.py [--papers 10000] [--topics 50] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from topics.exports import by_year_for_export
from topics.ingest.arxiv_ids import normalize_arxiv_id
from topics.report import ReportOptions, render_report

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO.parent / "shared" / "corpora" / "arxiv-archive-2019"
CATEGORIES = ("cs.CR.20200101dump", "cs.CL.20190101dump", "cs.SI.20200101dump")
REFERENCE_DATE = "2019-12-31"
THEME_RULES = {
    "adversarial robustness": r"adversarial (?:example|attack|perturbation|training)",
    "privacy": r"\bprivacy|differential(?:ly)? private",
    "reinforcement learning": r"reinforcement learning",
    "graph learning": r"graph (?:neural|convolution|embedding)|node classification",
    "machine translation": r"machine translation|translation model",
    "language models": r"language model|word embedding|\bbert\b",
    "speech": r"\bspeech|\bspeaker|\basr\b",
    "blockchain": r"blockchain|smart contract|cryptocurrenc",
    "social networks": r"social network|twitter|community detection",
    "malware": r"malware|intrusion detection",
    "fairness": r"\bfair(?:ness)?\b|\bbias(?:es)?\b",
    "crowdsourcing": r"crowdsourc",
}


def read_sample(n: int, seed: int) -> pd.DataFrame:
    """Unique real papers with title, abstract, arXiv id and year.

    From three categories while they hold enough papers, else from every
    category of the archive (about 196k unique papers).
    """
    columns = ["arxiv_id", "title", "abstract", "created"]
    raw = _read_archive([ARCHIVE / f"{name}.tsv.xz" for name in CATEGORIES], columns)
    if len(raw.drop_duplicates("arxiv_id")) < n:
        raw = _read_archive(sorted(ARCHIVE.glob("*.tsv.xz")), columns)
    raw["arxiv_id"] = raw["arxiv_id"].map(normalize_arxiv_id)
    raw = raw.dropna(subset=["arxiv_id", "title"]).drop_duplicates("arxiv_id")
    sample = raw.sample(n=min(n, len(raw)), random_state=seed).reset_index(drop=True)
    sample["year"] = pd.to_numeric(sample["created"].str[:4], errors="coerce").astype("Int64")
    sample.loc[sample.index % 97 == 0, "year"] = pd.NA  # ~1% undated, as real sources have
    sample["title"] = sample["title"].str.replace(r"\s+", " ", regex=True).str.strip()
    sample["abstract"] = sample["abstract"].fillna("").str.replace(r"\s+", " ", regex=True)
    return sample


def _read_archive(paths: list[Path], columns: list[str]) -> pd.DataFrame:
    frames = [pd.read_csv(path, sep="\t", usecols=columns, dtype=str) for path in paths]
    return pd.concat(frames, ignore_index=True)


def build_run(run_dir: Path, papers: pd.DataFrame, seed: int, extra: float, n_topics: int) -> None:
    rng = np.random.default_rng(seed)
    data = run_dir / "data"
    data.mkdir(parents=True)
    n = len(papers)
    ids = [f"p{i:05d}" for i in range(n)]
    topic = np.where(rng.random(n) < 0.05, -1, rng.integers(0, n_topics, n))
    themes = list(THEME_RULES)
    member = np.zeros((n, len(themes)), dtype=bool)
    text = (papers["title"] + " " + papers["abstract"]).str.lower()
    for j, pattern in enumerate(THEME_RULES.values()):
        member[:, j] = text.str.contains(pattern, regex=True).to_numpy()
    member |= rng.random((n, len(themes))) < extra
    score = np.where(
        member, rng.uniform(0.5, 0.99, member.shape), rng.uniform(0, 0.5, member.shape)
    )
    years = papers["year"]
    frame = pd.DataFrame(
        {
            "paper_id": ids,
            "title": papers["title"],
            "abstract": papers["abstract"],
            "year": years,
            "date": papers["created"],
            "date_precision": "day",
            "authors": "",
            "category": "cs",
            "venue": "",
            "arxiv_id": papers["arxiv_id"],
            "sources": [f"archive.tsv:{i + 2}" for i in range(n)],
            "text": papers["abstract"],
            "date_resolution": "created",
            "organisations": "",
            "doi": "",
            "comments": "",
            "keywords": "",
            "record_ids": ids,
            "n_records": 1,
            "topic": topic,
            "topic_label": [f"{t}_topic_{t}" for t in topic],
            "themes": [
                ";".join(t for t, m in zip(themes, row, strict=False) if m) for row in member
            ],
        }
    )
    frame.to_csv(data / "papers.csv", index=False)
    _assignments(ids, themes, member, score, topic).to_csv(data / "assignments.csv", index=False)
    _topics(frame).to_csv(data / "topics.csv", index=False)
    span = list(range(2007, 2020))
    totals = frame.dropna(subset=["year"]).groupby("year").size().reindex(span, fill_value=0)
    groups = {("theme", t): member[:, j] for j, t in enumerate(themes)}
    groups |= {("topic", str(t)): topic == t for t in range(-1, n_topics)}
    by_year = _by_year(frame, groups, span, totals)
    for kind, name in (("theme", "themes_by_year.csv"), ("topic", "topics_by_year.csv")):
        rows = by_year[by_year["kind"] == kind].drop(columns=["flags"]).assign(flags="")
        by_year_for_export(rows, kind).to_csv(data / name, index=False)
    _trends(groups, rng).to_csv(data / "trends.csv", index=False)
    _keywords(frame, span).to_csv(data / "topic_keywords_by_year.csv", index=False)
    centres = rng.normal(0, 6, (n_topics + 1, 2))
    xy = centres[topic + 1] + rng.normal(0, 1, (n, 2))
    pd.DataFrame({"paper_id": ids, "x": xy[:, 0], "y": xy[:, 1]}).to_csv(
        data / "map_2d.csv", index=False
    )
    _write_json(
        data / "corpus_years.json",
        {
            "years": span,
            "totals": {str(y): int(c) for y, c in totals.items()},
            "undated": int(years.isna().sum()),
            "incomplete_year": None,
            "reference_date": REFERENCE_DATE,
            "low_years": [y for y in span if totals[y] < 30],
        },
    )
    _write_json(data / "ingest_report.json", _ingest(frame))
    _write_json(data / "evaluation.json", _evaluation(frame, themes, member, rng))
    pd.DataFrame(columns=["paper_id", "record_id", "source", "rule", "similarity"]).to_csv(
        data / "merges.csv", index=False
    )
    _write_json(
        run_dir / "manifest.json",
        {
            "experiment": "bench-report",
            "status": "ok",
            "started": "",
            "finished": "",
            "seed": seed,
            "config_hash": "0" * 64,
            "config": {
                "experiment": "bench-report",
                "model": {"kind": "bertopic"},
                "themes": [
                    {
                        "name": t,
                        "description": f"Papers on {t}.",
                        "phrases": [t],
                        "exclude": [],
                        "threshold": None,
                    }
                    for t in themes
                ],
            },
            "inputs": [],
            "versions": {},
            "machine": {},
            "timings_s": {},
            "stages": {},
        },
    )


def _assignments(ids, themes, member, score, topic) -> pd.DataFrame:
    rows = []
    for i, pid in enumerate(ids):
        for j, theme in enumerate(themes):
            evidence = {
                "description_similarity": round(float(score[i, j]) * 0.6, 3),
                "nearest_phrases": [[theme, round(float(score[i, j]) * 0.7, 3)]],
                "matched": {theme: 1} if member[i, j] else {},
                "in_title": [],
                "weighted_hits": 1.0 if member[i, j] else 0.0,
                "topic": {"id": int(topic[i]), "affinity": 0.4},
            }
            rows.append(
                (
                    pid,
                    theme,
                    round(float(score[i, j]), 4),
                    bool(member[i, j]),
                    json.dumps(evidence, separators=(",", ":")),
                )
            )
    return pd.DataFrame(rows, columns=["paper_id", "theme", "score", "assigned", "evidence"])


def _topics(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for t, group in frame.groupby("topic"):
        words = re.findall(r"[a-z]{6,}", " ".join(group["title"].head(40)).lower())
        keywords = pd.Series(words).value_counts().index[:10] if words else []
        rows.append(
            {
                "topic": t,
                "label": f"{t}_" + "_".join(keywords[:3]),
                "keywords": ";".join(keywords),
                "size": len(group),
                "representative_paper_ids": ";".join(group["paper_id"].head(3)),
            }
        )
    return pd.DataFrame(rows)


def _by_year(frame, groups, span, totals) -> pd.DataFrame:
    years = frame["year"]
    rows = []
    for (kind, name), mask in groups.items():
        counts = years[mask].dropna().value_counts()
        for y in span:
            k, total = int(counts.get(y, 0)), int(totals[y])
            p = k / total if total else math.nan
            half = 1.96 * math.sqrt(p * (1 - p) / total) if total else math.nan
            rows.append(
                (
                    kind,
                    name,
                    y,
                    k,
                    total,
                    p,
                    max(0.0, p - half),
                    min(1.0, p + half),
                    "too few papers" if total < 30 else "",
                )
            )
    columns = ["kind", "name", "year", "count", "total", "share", "ci_low", "ci_high", "flags"]
    return pd.DataFrame(rows, columns=columns)


def _trends(groups, rng) -> pd.DataFrame:
    statuses = ["emerging", "growing", "stable", "declining", "fading", "insufficient data"]
    rows = []
    for kind, name in groups:
        slope = float(rng.normal(0, 0.01))
        status = statuses[int(rng.integers(0, len(statuses)))]
        rows.append(
            {
                "kind": kind,
                "name": name,
                "slope": slope,
                "slope_low": slope - 0.005,
                "slope_high": slope + 0.005,
                "p_value": float(rng.random()),
                "test": "quasi-binomial GLM",
                "status": status,
                "rule": f"{status}: Theil–Sen {slope * 100:+.2f} pp/yr",
                "first_year": 2007,
                "peak_year": 2018,
                "bursts": "2017-2018",
                "n_years_used": 13,
                "undated": 0,
            }
        )
    return pd.DataFrame(rows)


def _keywords(frame, span) -> pd.DataFrame:
    rows = []
    for (t, y), group in frame.dropna(subset=["year"]).groupby(["topic", "year"]):
        words = re.findall(r"[a-z]{6,}", " ".join(group["title"].head(30)).lower())
        top = pd.Series(words).value_counts().index[:8] if words else []
        rows.append({"topic": t, "year": int(y), "count": len(group), "keywords": ";".join(top)})
    return pd.DataFrame(rows)


def _evaluation(frame, themes, member, rng) -> dict:
    """``data/evaluation.json`` in the shape ``topics evaluate`` writes (random numbers)."""
    topics = sorted(t for t in frame["topic"].unique() if t >= 0)
    labelled = rng.random(member.shape) < 0.9  # a label agreeing with 90% of memberships
    per_theme = []
    for j, theme in enumerate(themes):
        tp = int((member[:300, j] & labelled[:300, j]).sum())
        fp = int((member[:300, j] & ~labelled[:300, j]).sum())
        precision, recall = tp / max(tp + fp, 1), tp / (tp + 5)
        f1 = 2 * tp / max(2 * tp + fp + 5, 1)
        scores = {"precision": precision, "recall": recall, "f1": f1}
        per_theme.append({"theme": theme, "support": tp + 5, "predicted": tp + fp, **scores})
    return {
        "format": "topics.evaluation",
        "format_version": 1,
        "n_papers": len(frame),
        "n_topics": len(topics),
        "coherence": {
            "measure": "c_npmi",
            "top_n": 10,
            "mean": 0.12,
            "per_topic": [
                {
                    "topic": int(t),
                    "label": f"topic {t}",
                    "npmi": float(rng.uniform(-0.1, 0.4)),
                    "words": [f"word{t}_{k}" for k in range(10)],
                }
                for t in topics
            ],
        },
        "diversity": {"top_n": 10, "value": 0.81},
        "outliers": {"before_reduction": 0.41, "after_reduction": 0.05, "assigned": 0.05},
        "stability": None,
        "themes": {
            "labels_file": "labels.csv",
            "n_label_rows": 300,
            "n_matched_papers": 300,
            "issues": [],
            "per_theme": per_theme,
            "micro": {"precision": 0.9, "recall": 0.85, "f1": 0.87},
            "macro": {"precision": 0.88, "recall": 0.84, "f1": 0.86},
        },
    }


def _ingest(frame) -> dict:
    undated = frame.loc[frame["year"].isna(), ["paper_id", "title", "sources"]]
    return {
        "sources": [
            {
                "file": "archive.tsv",
                "format": "tsv",
                "records": len(frame),
                "errors": 0,
                "warnings": 0,
                "failed": False,
            }
        ],
        "records": len(frame),
        "papers": len(frame),
        "merged_papers": 0,
        "records_merged_away": 0,
        "merge_rules": {},
        "undated_papers": len(undated),
        "undated": undated.to_dict(orient="records"),
        "date_resolution": {"created": len(frame)},
        "issues": [],
    }


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--topics", type=int, default=50, help="number of topics (default 50)")
    parser.add_argument(
        "--max-papers",
        type=int,
        default=ReportOptions().max_papers,
        help="ReportOptions.max_papers: papers listed per theme and topic page",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--extra",
        type=float,
        default=0.11,
        help="chance of a random extra membership per paper and theme (0.11 gives ~1.5 themes "
        "per paper with the keyword rules; 0 leaves the keyword rules alone, ~0.2 per paper)",
    )
    parser.add_argument("--keep", type=Path, help="build the run here and keep it")
    args = parser.parse_args()
    if not ARCHIVE.is_dir():
        raise SystemExit(f"shared arXiv archive not found at {ARCHIVE}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-report-"))
    run_dir = args.keep or workdir / "run"
    try:
        started = time.perf_counter()
        sample = read_sample(args.papers, args.seed)
        build_run(run_dir, sample, args.seed, args.extra, args.topics)
        assigned = pd.read_csv(run_dir / "data" / "assignments.csv", usecols=["assigned"])
        print(
            f"built a {len(sample):,}-paper run in {time.perf_counter() - started:.1f} s "
            f"({assigned['assigned'].sum() / len(sample):.2f} themes per paper)"
        )
        options = ReportOptions(max_papers=args.max_papers)
        for attempt in ("first render", "re-render"):
            stats = render_report(run_dir, options=options)
            csvs = sum(p.stat().st_size for p in run_dir.glob("t*/*.csv"))
            print(
                f"{attempt}: {stats.seconds:.2f} s, {stats.total_bytes / 1e6:.2f} MB "
                f"({(stats.total_bytes - csvs) / 1e6:.2f} MB pages and assets, "
                f"{csvs / 1e6:.2f} MB full paper lists), "
                f"{stats.pages} pages ({stats.theme_pages} themes, {stats.topic_pages} topics)"
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        print(f"peak memory of this process: {peak:.2f} GB")
        largest = sorted(
            (p for p in run_dir.rglob("*.html")), key=lambda p: p.stat().st_size, reverse=True
        )[:3]
        for page in largest:
            print(f"  {page.relative_to(run_dir)}: {page.stat().st_size / 1e6:.2f} MB")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
