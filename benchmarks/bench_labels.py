"""Cost of phrase labels (``topics.models.labels.phrase_labels``) on archive samples.

The labeller reads at most ``docs_per_topic`` (150) papers per topic and
embeds at most ``candidates`` (30) phrases per topic, so its cost grows with
the number of topics, not with the corpus. This script measures it where it
matters:

* ``--n 10000 --topics 50``: a 10k sample, about what a 10k fit finds;
* ``--n 50000 --topics 200``: 200 topics x 150 papers = 30k papers read and
  6,000 phrases embedded, the work of the whole 196k archive (208 topics).

Papers are a seeded sample of the whole archive ("title. abstract", as a run
models them), embedded with the ``static`` backend (or ``--backend
tfidf-svd``); topics stand in for a fit: seeded k-means on the vectors. The
phrase embedding is timed separately, cold (no cache) and warm (through the
on-disk embedding cache, as a rerun is); ``--minilm`` also times embedding
the same candidate phrases with the packaged MiniLM, cold.

    .venv/bin/python benchmarks/bench_labels.py --n 10000 --topics 50
    .venv/bin/python benchmarks/bench_labels.py --n 50000 --topics 200 \\
        --json benchmarks/results/labels_50k.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import MiniBatchKMeans

from topics.config.schema import AutoLabelConfig, EmbeddingConfig
from topics.embed import build_embedder, embed_texts
from topics.models.labels import phrase_labels

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO.parent / "shared" / "corpora" / "arxiv-archive-2019"


def archive_sample(n: int, seed: int = 0) -> list[str]:
    """A seeded sample of ``n`` distinct archive papers as "title. abstract"."""
    frames = [
        pd.read_csv(path, sep="\t", usecols=["title", "abstract"], dtype=str, keep_default_na=False)
        for path in sorted(ARCHIVE.glob("*.tsv.xz"))
    ]
    papers = pd.concat(frames, ignore_index=True).drop_duplicates("abstract")
    papers = papers.sample(n=min(n, len(papers)), random_state=seed)
    return [
        f"{' '.join(t.split()).rstrip('.')}. {' '.join(a.split())}"
        for t, a in zip(papers["title"], papers["abstract"], strict=True)
    ]


class TimedEmbed:
    """The embed callable of a run (through the cache), timing every call."""

    def __init__(self, embedder: Any, cache_dir: Path | None) -> None:
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.seconds = 0.0
        self.texts = 0
        self.seen: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        start = time.perf_counter()
        vectors = embed_texts(
            texts, self.embedder, self.cache_dir, batch_size=4096, show_progress=False
        )[0]
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        self.seen = list(texts)
        return vectors


def run_once(docs, topics, vectors, embedder, cache_dir) -> dict[str, Any]:
    embed = TimedEmbed(embedder, cache_dir)
    start = time.perf_counter()
    labels = phrase_labels(docs, topics, vectors, embed, AutoLabelConfig())
    total = time.perf_counter() - start
    return {
        "seconds": round(total, 2),
        "phrase_embedding_seconds": round(embed.seconds, 2),
        "counting_and_ranking_seconds": round(total - embed.seconds, 2),
        "phrases_embedded": embed.texts,
        "labels": {int(t): " · ".join(p.phrases[:3]) for t, p in sorted(labels.items())},
        "candidates": embed.seen,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--backend", choices=("static", "tfidf-svd"), default="static")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/topics-bench-labels"))
    parser.add_argument("--minilm", action="store_true", help="also embed phrases with MiniLM")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    result: dict[str, Any] = {
        "n_docs": args.n,
        "n_topics": args.topics,
        "backend": args.backend,
        "load_average_at_start": os.getloadavg(),
        "cores": os.cpu_count(),
        "machine": platform.platform(),
    }
    docs = archive_sample(args.n)
    config = EmbeddingConfig(backend=args.backend)
    embedder = build_embedder(config, seed=0, model_cache_dir=args.cache_dir / "static-models")
    if args.backend == "tfidf-svd":
        embedder.fit(docs)
    start = time.perf_counter()
    vectors = embed_texts(docs, embedder, None, batch_size=4096, show_progress=False)[0]
    result["doc_embedding_seconds"] = round(time.perf_counter() - start, 2)
    kmeans = MiniBatchKMeans(n_clusters=args.topics, random_state=0, n_init=3, batch_size=4096)
    topics = kmeans.fit_predict(vectors).astype(np.int64)
    sizes = np.bincount(topics)
    result["topic_sizes"] = {"min": int(sizes.min()), "median": int(np.median(sizes))}
    result["papers_read"] = int(np.minimum(sizes, AutoLabelConfig().docs_per_topic).sum())
    print(
        f"{len(docs)} papers, {args.topics} topics (sizes {sizes.min()}-{sizes.max()}), "
        f"{result['papers_read']} papers read for phrases, {args.backend} vectors"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cold = run_once(docs, topics, vectors, embedder, Path(tmp))
        warm = run_once(docs, topics, vectors, embedder, Path(tmp))
    assert cold["labels"] == warm["labels"], "labels must not depend on the cache"
    candidates = cold.pop("candidates")
    warm.pop("candidates")
    result["cold"] = {k: v for k, v in cold.items() if k != "labels"}
    result["warm"] = {k: v for k, v in warm.items() if k != "labels"}
    result["example_labels"] = dict(list(cold["labels"].items())[:12])
    for name in ("cold", "warm"):
        r = result[name]
        print(
            f"  {name}: {r['seconds']:.1f} s (phrase embedding {r['phrase_embedding_seconds']:.1f}"
            f" s for {r['phrases_embedded']} phrases, counting and ranking "
            f"{r['counting_and_ranking_seconds']:.1f} s)"
        )
    if args.minilm:
        minilm = build_embedder(EmbeddingConfig(), seed=0)
        start = time.perf_counter()
        embed_texts(candidates, minilm, None, batch_size=256, show_progress=False)
        seconds = time.perf_counter() - start
        result["minilm_phrase_embedding"] = {
            "phrases": len(candidates),
            "seconds": round(seconds, 2),
        }
        print(f"  MiniLM, the same {len(candidates)} phrases cold: {seconds:.1f} s")
    for topic, label in result["example_labels"].items():
        print(f"    {topic:>3}: {label}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
