"""How many UMAP epochs the topic model needs: topics, coherence and time per setting.

A seeded UMAP optimises its layout on one core, and at 50k documents that
optimisation is what keeps our fit slower than plain BERTopic (whose unseeded
UMAP uses every core). This benchmark fits our default topic model on the same
sample and vectors as ``bench_compare.py`` with several ``model.umap.n_epochs``
and seeds, each in a fresh interpreter (numba compiles in every one, as in a
run), and compares:

* fit and UMAP seconds;
* topic count, outlier share before reduction, NPMI and diversity (computed as
  in ``bench_compare.py``);
* the adjusted Rand index between every pair of settings. Two seeds at the
  same epochs give the noise floor: fewer epochs cost nothing that matters if
  their agreement with the reference is as high as another seed's.

Usage::

    .venv/bin/python benchmarks/bench_umap_epochs.py --size 50k --backend static
    .venv/bin/python benchmarks/bench_umap_epochs.py --size 10k --settings 200:0,100:0,200:1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_compare  # noqa: E402

DEFAULT_SETTINGS = "200:0,200:1,100:0,100:1,150:0"


def parse_settings(text: str) -> list[tuple[int, int]]:
    """``"200:0,100:0"`` -> [(200, 0), (100, 0)]: epochs and seed per fit."""
    pairs = []
    for item in text.split(","):
        epochs, seed = item.split(":")
        pairs.append((int(epochs), int(seed)))
    return pairs


def fit_child(data_dir: Path, epochs: int, seed: int) -> dict[str, Any]:
    """One fit of our defaults with ``n_epochs=epochs`` (runs in the child)."""
    from topics.config.schema import ModelConfig
    from topics.models import build_topic_model

    docs = json.loads((data_dir / "docs.json").read_text(encoding="utf-8"))
    vectors = np.load(data_dir / "vectors.npy")
    config = ModelConfig.model_validate({"umap": {"n_epochs": epochs}})
    started = time.perf_counter()
    model = build_topic_model(config, seed=seed)
    model.fit(docs, embeddings=vectors)
    fit_seconds = time.perf_counter() - started
    labels = np.asarray(model.labels_)
    np.save(data_dir / f"labels_{epochs}_{seed}.npy", labels)
    table = model.topic_table_.query("topic >= 0")
    words = [list(w) for w in table["keywords"]]
    quality = bench_compare.quality("ours", docs, {"labels": labels, "topic_words": words})
    return {
        "epochs": epochs,
        "seed": seed,
        "fit_seconds": fit_seconds,
        "umap_seconds": model.fit_seconds_["umap"],
        "n_topics": int(model.n_topics_),
        "outlier_share_before_reduction": float(model.outlier_share_),
        "npmi": quality["npmi"],
        "diversity": quality["diversity"],
        "largest_topic_share": quality["largest_topic_share"],
    }


def run_fit(data_dir: Path, epochs: int, seed: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(data_dir), str(epochs), str(seed)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"fit {epochs}:{seed} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def agreement(data_dir: Path, settings: list[tuple[int, int]]) -> list[dict[str, Any]]:
    from sklearn.metrics import adjusted_rand_score

    labels = {s: np.load(data_dir / f"labels_{s[0]}_{s[1]}.npy") for s in settings}
    return [
        {
            "a": f"{a[0]}:{a[1]}",
            "b": f"{b[0]}:{b[1]}",
            "ari": adjusted_rand_score(labels[a], labels[b]),
        }
        for a, b in combinations(settings, 2)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(bench_compare.SIZES), default="50k")
    parser.add_argument("--backend", choices=("minilm", "static", "tfidf"), default="static")
    parser.add_argument("--settings", default=DEFAULT_SETTINGS, help="EPOCHS:SEED,...")
    parser.add_argument("--cache-dir", type=Path, default=bench_compare.DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, help="default: results/umap_epochs_<size>.json")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        data_dir, epochs, seed = args.child
        print(json.dumps(fit_child(Path(data_dir), int(epochs), int(seed))))
        return 0
    settings = parse_settings(args.settings)
    with tempfile.TemporaryDirectory(prefix="bench-epochs-") as tmp:
        data_dir = Path(tmp)
        prepared = bench_compare.prepare(args.size, args.backend, args.cache_dir, data_dir)
        fits = []
        for epochs, seed in settings:
            fits.append(run_fit(data_dir, epochs, seed))
            row = fits[-1]
            print(
                f"{epochs:>4} epochs seed {seed}: fit {row['fit_seconds']:.1f} s "
                f"(UMAP {row['umap_seconds']:.1f}), {row['n_topics']} topics, "
                f"outliers {row['outlier_share_before_reduction']:.3f}, "
                f"NPMI {row['npmi']:.3f}, diversity {row['diversity']:.3f}",
                flush=True,
            )
        pairs = agreement(data_dir, settings)
    for pair in pairs:
        print(f"ARI {pair['a']:>6} vs {pair['b']:>6}: {pair['ari']:.3f}")
    summary = {
        "size": args.size,
        "backend": args.backend,
        "environment": bench_compare.environment(),
        "n_docs": prepared["n_docs"],
        "fits": fits,
        "adjusted_rand": pairs,
    }
    out = args.out or bench_compare.RESULTS / f"umap_epochs_{args.size}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
