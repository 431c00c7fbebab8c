"""Throughput of the embedding backends and of the embedding cache on real abstracts.

Reads one category file of the shared arXiv archive and prints a table:
MiniLM docs/s per batch size (plus sentence-transformers' own batching, to show
what length-bucketed padding costs; best of ``--repeats`` interleaved runs),
tfidf-svd fit and encode, and cold vs warm :func:`topics.embed.embed_texts`
runs. Set ``OMP_NUM_THREADS`` to override the torch thread count. Optionally times loading a cache
index of 200k entries.

Usage::

    .venv/bin/python benchmarks/bench_embed.py [--n-minilm 500] [--n-tfidf 5000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from topics.embed import (
    EmbeddingCache,
    SentenceTransformerEmbedder,
    TfidfSvdEmbedder,
    embed_texts,
)

ARCHIVE = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "arxiv-archive-2019"
DEFAULT_FILE = ARCHIVE / "cs.CR.20200101dump.tsv.xz"


def read_abstracts(path: Path, limit: int) -> list[str]:
    """Distinct, whitespace-normalised abstracts from one archive TSV, in file order."""
    frame = pd.read_csv(path, sep="\t", usecols=["abstract"], dtype=str)
    abstracts = frame["abstract"].dropna().str.split().str.join(" ")
    return abstracts[abstracts.str.len() > 0].drop_duplicates().head(limit).tolist()


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def bench_minilm(
    texts: list[str], batch_sizes: list[int], cache_root: Path, repeats: int
) -> list[tuple]:
    """Time MiniLM configurations round-robin, keeping each one's best of ``repeats``.

    Other processes on a small machine slow some runs by several times; taking
    the minimum over interleaved repeats compares configurations fairly.
    """
    embedder = SentenceTransformerEmbedder()
    _, identity_seconds = timed(lambda: embedder.identity)
    _, load_seconds = timed(embedder._model)
    model = embedder._model()
    configurations: dict[str, Callable[[], Any]] = {
        f"encode, batch {size}": lambda size=size: embedder.encode(texts, batch_size=size)
        for size in batch_sizes
    }
    configurations["plain ST encode, batch 32"] = lambda: model.encode(
        texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
    )
    best = dict.fromkeys(configurations, float("inf"))
    outputs: dict[str, np.ndarray] = {}
    for _ in range(repeats):
        for label, function in configurations.items():
            outputs[label], seconds = timed(function)
            best[label] = min(best[label], seconds)
    bucketed = outputs.get("encode, batch 32", next(iter(outputs.values())))
    drift = float(np.abs(outputs["plain ST encode, batch 32"] - bucketed).max())
    rows: list[tuple] = [
        ("minilm", "identity (hash model files)", 1, identity_seconds, None),
        ("minilm", "import + load model", 1, load_seconds, f"torch threads={_torch_threads()}"),
    ]
    rows += [("minilm", label, len(texts), seconds, None) for label, seconds in best.items()]
    rows[-1] = (*rows[-1][:4], f"max|diff| vs bucketed={drift:.1e}")
    rows += bench_cache("minilm", embedder, texts, cache_root)
    return rows


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def bench_tfidf(texts: list[str], cache_root: Path) -> list[tuple]:
    embedder = TfidfSvdEmbedder(n_components=256, random_state=42)
    _, seconds = timed(lambda: embedder.fit(texts))
    rows: list[tuple] = [
        ("tfidf-svd", "fit", len(texts), seconds, f"{len(embedder.terms_)} terms"),
    ]
    _, seconds = timed(lambda: embedder.encode(texts))
    rows.append(("tfidf-svd", "encode, one call", len(texts), seconds, None))
    rows += bench_cache("tfidf-svd", embedder, texts, cache_root)
    return rows


def bench_cache(name: str, embedder: Any, texts: list[str], cache_root: Path) -> list[tuple]:
    cache_dir = cache_root / name
    rows = []
    for label in ("cold", "warm"):
        (_, stats), seconds = timed(
            lambda: embed_texts(texts, embedder, cache_dir, batch_size=32, show_progress=False)
        )
        note = f"computed {stats.n_computed}, cached {stats.n_cached}"
        rows.append((name, f"embed_texts, {label} cache", len(texts), seconds, note))
    return rows


def bench_index(
    entries: int, cache_root: Path, dim: int = 384, shard_size: int = 2048
) -> list[tuple]:
    """Time loading an index of ``entries`` texts spread over ``shard_size``-row shards."""
    identity = "bench-index"
    writer = EmbeddingCache(cache_root / "index", identity)
    vectors = np.random.default_rng(0).standard_normal((shard_size, dim)).astype(np.float32)
    keys = [hashlib.sha256(str(i).encode()).digest() for i in range(entries)]
    for start in range(0, entries, shard_size):
        chunk = keys[start : start + shard_size]
        writer.put(chunk, vectors[: len(chunk)])
    reader = EmbeddingCache(cache_root / "index", identity)
    n_found, load_seconds = timed(lambda: len(reader))
    _, get_seconds = timed(lambda: reader.get(keys))
    return [
        ("cache", f"load index ({n_found} keys)", entries, load_seconds, None),
        ("cache", f"get all {entries} vectors", entries, get_seconds, None),
    ]


def print_table(rows: list[tuple]) -> None:
    print(f"{'backend':<10} {'step':<34} {'docs':>6} {'seconds':>8} {'docs/s':>9}  note")
    for backend, step, n_docs, seconds, note in rows:
        rate = f"{n_docs / seconds:9.1f}" if n_docs > 1 else " " * 9
        print(f"{backend:<10} {step:<34} {n_docs:>6} {seconds:8.2f} {rate}  {note or ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--n-minilm", type=int, default=500)
    parser.add_argument("--n-tfidf", type=int, default=5000)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--repeats", type=int, default=2, help="MiniLM: best of N, interleaved")
    parser.add_argument("--index-entries", type=int, default=200_000, help="0 skips it")
    args = parser.parse_args()

    texts = read_abstracts(args.file, max(args.n_minilm, args.n_tfidf))
    print(
        f"{len(texts)} abstracts from {args.file.name}; cores={os.cpu_count()}, "
        f"load average={os.getloadavg()[0]:.1f}"
    )
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as root:
        cache_root = Path(root)
        if args.n_tfidf:
            rows += bench_tfidf(texts[: args.n_tfidf], cache_root)
        if args.n_minilm:
            rows += bench_minilm(texts[: args.n_minilm], args.batch_sizes, cache_root, args.repeats)
        if args.index_entries:
            rows += bench_index(args.index_entries, cache_root)
    print_table(rows)
    print(f"load average at end={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
