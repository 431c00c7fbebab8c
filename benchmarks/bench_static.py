"""Throughput of the ``static`` embedding backend on archive title + abstract texts.

Reads ``--n`` papers from the shared arXiv archive (whitespace-normalised
"title. abstract", as a run embeds them), distils the packaged MiniLM into
``--cache-dir`` once (timed), then measures documents per second:

- ``embed_texts``: the path a run takes (4,096-text chunks, model2vec's thread
  pool, no vector cache);
- ``per 32-text call``: the same embedder called 32 texts at a time, below
  model2vec's threading threshold, which is what an earlier version did;
- ``single thread``: one ``StaticModel.encode`` call without threads.

    .venv/bin/python benchmarks/bench_static.py --n 30000 \
        --json benchmarks/results/static_throughput.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import pandas as pd

from topics.embed import StaticEmbedder, embed_texts

REPO = Path(__file__).resolve().parents[1]
ARCHIVE = REPO.parent / "shared" / "corpora" / "arxiv-archive-2019"


def archive_texts(n: int) -> list[str]:
    texts: list[str] = []
    for path in sorted(ARCHIVE.glob("*.tsv.xz")):
        frame = pd.read_csv(
            path, sep="\t", usecols=["title", "abstract"], dtype=str, keep_default_na=False
        )
        texts += [
            f"{' '.join(t.split()).rstrip('.')}. {' '.join(a.split())}"
            for t, a in zip(frame["title"], frame["abstract"], strict=True)
        ]
        if len(texts) >= n:
            break
    return texts[:n]


def rate(label: str, n: int, seconds: float) -> dict[str, float]:
    print(f"  {label:<22}{n / seconds:>8.0f} docs/s  ({seconds:.1f} s)")
    return {"docs_per_s": n / seconds, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30_000)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/topics-bench-static"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    texts = archive_texts(args.n)
    print(f"{len(texts)} texts, mean {sum(map(len, texts)) / len(texts):.0f} characters")
    result: dict[str, object] = {
        "n_texts": len(texts),
        "load_average_at_start": os.getloadavg(),
        "cores": os.cpu_count(),
        "machine": platform.platform(),
    }
    started = time.perf_counter()
    embedder = StaticEmbedder(cache_dir=args.cache_dir)
    embedder.encode(["warm up"])
    result["distil_or_load_seconds"] = time.perf_counter() - started
    print(f"  distil/load: {result['distil_or_load_seconds']:.1f} s ({embedder.identity})")

    started = time.perf_counter()
    embed_texts(texts, embedder, None, batch_size=4096, show_progress=False)
    result["embed_texts"] = rate("embed_texts", len(texts), time.perf_counter() - started)

    started = time.perf_counter()
    for start in range(0, len(texts), 32):
        embedder._model().encode(texts[start : start + 32], max_length=256)
    result["per_32_text_call"] = rate("per 32-text call", len(texts), time.perf_counter() - started)

    started = time.perf_counter()
    embedder._model().encode(texts, max_length=256, use_multiprocessing=False)
    result["single_thread"] = rate("single thread", len(texts), time.perf_counter() - started)
    result["load_average_at_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
