"""Our topic model against plain BERTopic and LDA, on the same embeddings.

Samples of the 2019 arXiv archive (``/work/shared/corpora``, deduplicated on
the repaired arXiv id, abstracts of at least 100 characters):

* ``10k``: the fixed 10k sample of ``bench_fit.py`` (seed 0), whose MiniLM
  vectors are cached in ``--cache-dir``; ``2k`` is its first 2,000 papers.
* ``50k``: the ``10k`` sample followed by 40,000 more papers (seed 1), so the
  10k MiniLM vectors are reused and only 40k new texts are embedded.
* ``all``: every paper (about 196k).

Variants, all fitted on the same documents and the same vectors:

* ``ours``: ``topics.models.build_topic_model(ModelConfig(), seed=0)``, our
  defaults: UMAP and HDBSCAN settings, the abstract-aware vectorizer, MMR
  keywords and outlier reduction.
* ``bertopic``: ``bertopic.BERTopic()`` with its default settings; only the
  precomputed vectors are passed to ``fit_transform``.
* ``lda``: scikit-learn's ``LatentDirichletAllocation`` (20 topics, online
  learning, seed 0) on a plain ``CountVectorizer`` (English stop words,
  ``min_df=2``, ``max_df=0.95``). It does not use the vectors.

Every variant runs in a fresh child process, so its peak resident memory
(``VmHWM`` of the child, read before the quality metrics) counts only its
own data and fit. The child times the
stages it can split: for plain BERTopic the UMAP and HDBSCAN calls are
timed through thin wrappers around its own sub-models, the rest of
``fit_transform`` (c-TF-IDF and the topic representation) is the remainder;
ours reports its own steps (``BERTopicModel.fit_seconds_``). CPU seconds count
every thread and child process: plain BERTopic's unseeded UMAP runs on all
cores, ours (seeded, one core) counts words in a second process meanwhile.
With ``--map`` the 2-D map that a pipeline run draws after the fit is timed
for ours apart from the fit. The ratios ours/plain of wall and CPU seconds
are printed and saved (``ratios``).
Documents are the abstracts; the vectorizers see them after ``topics.clean``
(LaTeX, URLs and white space), as in a pipeline run. Coherence is the mean
NPMI of each topic's top 10 words over the same cleaned, tokenized documents;
diversity is the share of unique words among the top 25 words of all topics.

Embeddings are computed once per sample and backend and timed separately:
``minilm`` (the packaged all-MiniLM-L6-v2) and ``tfidf`` (the torch-free
``tfidf-svd`` backend fitted on the sample). MiniLM vectors go through
``topics.embed``'s on-disk cache, so an interrupted ``--embed-only`` run
resumes where it stopped.

Usage::

    .venv/bin/python benchmarks/bench_compare.py --size 2k --backend minilm
    .venv/bin/python benchmarks/bench_compare.py --size 50k --embed-only   # long, resumable
    .venv/bin/python benchmarks/bench_compare.py --size all --backend tfidf --variants ours,lda
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from topics.ingest.arxiv_ids import normalize_arxiv_id  # noqa: E402

ARCHIVE = REPO.parent / "shared" / "corpora" / "arxiv-archive-2019"
RESULTS = REPO / "benchmarks" / "results"
DEFAULT_CACHE = Path("/tmp/topics-bench-cache")
MIN_ABSTRACT_CHARS = 100
SIZES = {"2k": 2_000, "10k": 10_000, "50k": 50_000, "all": None}
VARIANTS = ("ours", "bertopic", "lda")
LDA_TOPICS = 20
FIT_SEED = 0


# ---------------------------------------------------------------- samples


def load_archive(cache_dir: Path) -> pd.DataFrame:
    """Every archive paper once: arxiv_id, title, abstract, year; cached as Parquet.

    The order and filtering are those of ``bench_fit.draw_archive_sample``, so
    that its 10k sample (drawn from this frame with seed 0) is reproduced.
    """
    path = cache_dir / "archive-all.parquet"
    if path.exists():
        return pd.read_parquet(path)
    columns = ["abstract", "arxiv_id", "title", "created"]
    frames = [
        pd.read_csv(file, sep="\t", usecols=columns, dtype=str, keep_default_na=False)
        for file in sorted(ARCHIVE.glob("*.tsv.xz"))
    ]
    papers = pd.concat(frames, ignore_index=True)
    papers["arxiv_id"] = papers["arxiv_id"].map(normalize_arxiv_id)
    papers = papers.dropna(subset=["arxiv_id"]).drop_duplicates("arxiv_id")
    papers = papers.sort_values("arxiv_id", kind="stable")
    papers["abstract"] = papers["abstract"].str.split().str.join(" ")
    papers = papers[papers["abstract"].str.len() >= MIN_ABSTRACT_CHARS]
    papers["year"] = pd.to_numeric(papers["created"].str[:4], errors="coerce").astype("Int64")
    papers = papers[["arxiv_id", "title", "abstract", "year"]].reset_index(drop=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    papers.to_parquet(path, index=False)
    return papers


def load_sample(size: str, cache_dir: Path) -> pd.DataFrame:
    """The named sample (arxiv_id, abstract); ``2k`` ⊂ ``10k`` ⊂ ``50k`` are prefixes.

    ``10k`` is bench_fit's cached sample as it is: it was drawn before the
    arXiv id repair changed, so it cannot be redrawn, and its MiniLM vectors
    are cached. ``50k`` adds papers of the current archive frame whose abstract
    is not in it.
    """
    papers = load_archive(cache_dir)
    if SIZES[size] is None:
        return papers[["arxiv_id", "abstract"]]
    ten_k = _bench_fit_sample(cache_dir)
    if SIZES[size] <= len(ten_k):
        return ten_k.head(SIZES[size]).reset_index(drop=True)
    rest = papers[~papers["abstract"].isin(set(ten_k["abstract"]))]
    rest = rest.sample(n=SIZES[size] - len(ten_k), random_state=1)
    return pd.concat([ten_k, rest[["arxiv_id", "abstract"]]]).reset_index(drop=True)


def _bench_fit_sample(cache_dir: Path) -> pd.DataFrame:
    """bench_fit's 10k sample, drawn here as bench_fit draws it when no machine has it yet.

    The archive frame has bench_fit's rows in bench_fit's order, so seed 0
    gives the sample bench_fit would draw with today's arXiv id repair.
    """
    path = cache_dir / "archive-sample-10000.parquet"
    if not path.exists():
        sample = load_archive(cache_dir).sample(n=10_000, random_state=0)
        sample[["abstract", "arxiv_id"]].to_parquet(path, index=False)
    return pd.read_parquet(path)[["arxiv_id", "abstract"]].reset_index(drop=True)


# ---------------------------------------------------------------- embeddings


def minilm_vectors(sample: pd.DataFrame, cache_dir: Path) -> tuple[np.ndarray, dict[str, Any]]:
    """MiniLM vectors of the abstracts: bench_fit's 10k ``.npy``, the rest via topics.embed.

    bench_fit encoded with plain sentence-transformers; topics.embed pads
    differently, which moves a vector by about 2e-7 at most, far below anything
    a topic model notices.
    """
    from topics.embed import SentenceTransformerEmbedder, embed_texts

    texts = sample["abstract"].tolist()
    head = min(len(texts), 10_000)
    cached = sorted(cache_dir.glob("minilm-10000-*.npy"))
    parts, info = [], {"backend": "minilm", "n_docs": len(texts)}
    if cached:
        parts.append(np.load(cached[0])[:head])
        info["from_bench_fit_npy"] = head
    else:
        head = 0
    if len(texts) > head:
        embedder = SentenceTransformerEmbedder()
        vectors, stats = embed_texts(
            texts[head:], embedder, cache_dir / "embeddings", show_progress=False
        )
        parts.append(vectors)
        info.update(
            n_cached=stats.n_cached,
            n_computed=stats.n_computed,
            seconds=stats.seconds,
            docs_per_s=stats.n_computed / stats.seconds if stats.n_computed else None,
        )
    _add_projection(info)
    return np.concatenate(parts).astype(np.float32), info


def _add_projection(info: dict[str, Any]) -> None:
    """Vectors read from a cache took no time here: add what encoding them would take.

    The rate is the one ``bench_scale.py minilm`` measured on archive papers
    (CPU-time based where available, so that other users' load does not count).
    """
    measured = RESULTS / "scale_minilm.json"
    if info.get("n_computed") or not measured.exists():
        return
    throughput = json.loads(measured.read_text())
    rate = throughput.get("docs_per_s_on_free_cores", throughput["docs_per_s"])
    info["projected_seconds"] = info["n_docs"] / rate
    info["projected_from_docs_per_s"] = rate


def tfidf_vectors(sample: pd.DataFrame, seed: int = 42) -> tuple[np.ndarray, dict[str, Any]]:
    """Fit the tfidf-svd backend on the sample and encode it (no cache: it is fast)."""
    from topics.embed import TfidfSvdEmbedder

    texts = sample["abstract"].tolist()
    embedder = TfidfSvdEmbedder(random_state=seed)
    started = time.perf_counter()
    embedder.fit(texts)
    fitted = time.perf_counter()
    vectors = embedder.encode(texts, batch_size=4096)
    done = time.perf_counter()
    info = {
        "backend": "tfidf-svd",
        "n_docs": len(texts),
        "fit_seconds": fitted - started,
        "encode_seconds": done - fitted,
        "seconds": done - started,
        "docs_per_s": len(texts) / (done - started),
        "dim": int(vectors.shape[1]),
    }
    return vectors.astype(np.float32), info


def static_vectors(sample: pd.DataFrame, cache_dir: Path) -> tuple[np.ndarray, dict[str, Any]]:
    """The static backend (MiniLM distilled with model2vec, cached under ``cache_dir``)."""
    from topics.embed import StaticEmbedder, embed_texts

    texts = sample["abstract"].tolist()
    started = time.perf_counter()
    embedder = StaticEmbedder(cache_dir=cache_dir / "static-models")
    vectors, _ = embed_texts(texts, embedder, None, batch_size=4096, show_progress=False)
    seconds = time.perf_counter() - started
    info = {
        "backend": "static",
        "identity": embedder.identity,
        "n_docs": len(texts),
        "seconds": seconds,
        "docs_per_s": len(texts) / seconds,
        "dim": int(vectors.shape[1]),
    }
    return vectors, info


def sample_vectors(
    sample: pd.DataFrame, backend: str, cache_dir: Path
) -> tuple[np.ndarray, dict[str, Any]]:
    if backend == "minilm":
        return minilm_vectors(sample, cache_dir)
    if backend == "static":
        return static_vectors(sample, cache_dir)
    return tfidf_vectors(sample)


# ---------------------------------------------------------------- variants (child side)

_STAGE_SECONDS: dict[str, float] = {}
_TIMED_BERTOPIC_METHODS = {
    "_reduce_dimensionality": "umap",
    "_cluster_embeddings": "hdbscan",
    "_extract_topics": "ctfidf",
    "reduce_outliers": "outlier_reduction",
    "update_topics": "update_topics",
}


def _time_bertopic_stages() -> None:
    """Time BERTopic's UMAP and HDBSCAN steps (and our post-processing) in this process.

    The wrappers call the original methods unchanged; what is left of a fit is
    the vocabulary, term vectors, representative documents and bookkeeping.
    """
    from bertopic import BERTopic

    for method, stage in _TIMED_BERTOPIC_METHODS.items():
        setattr(BERTopic, method, _timed(getattr(BERTopic, method), stage))


def _timed(function: Any, stage: str) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - started
            _STAGE_SECONDS[stage] = _STAGE_SECONDS.get(stage, 0.0) + elapsed

    return wrapper


def fit_ours(docs: list[str], vectors: np.ndarray) -> dict[str, Any]:
    """Our defaults: ``build_topic_model(ModelConfig(), seed=0)``.

    The steps are the model's own ``fit_seconds_``. The vocabulary pass runs in
    a second process alongside UMAP (see ``topics.models._counting``): its
    seconds are reported as ``vocabulary_alongside_umap`` and not added to the
    fit, whose wall time already contains whatever wait it caused
    (``vocabulary_wait``); its CPU seconds are in ``fit_cpu_seconds``.
    """
    from topics.config.schema import ModelConfig
    from topics.models import build_topic_model

    model = build_topic_model(ModelConfig(), seed=FIT_SEED)
    model.fit(docs, embeddings=vectors)
    steps = dict(model.fit_seconds_)
    background = steps.pop("vocabulary") if model.fit_counted_in_background_ else None
    _STAGE_SECONDS.update(steps)
    table = model.topic_table_.query("topic >= 0")
    return {
        "labels": np.asarray(model.labels_),
        "topic_words": [list(words) for words in table["keywords"]],
        "n_topics": int(model.n_topics_),
        "outlier_share_before_reduction": float(model.outlier_share_),
        "vocabulary_size": len(model.vocabulary_),
        "hdbscan_params": model.hdbscan_params_,
        "vocabulary_alongside_umap_seconds": background,
        "step_cpu_seconds": model.fit_cpu_seconds_,
    }


def map_2d_ours(vectors: np.ndarray) -> dict[str, Any]:
    """The 2-D map a pipeline run draws after the fit (a second UMAP), timed on its own."""
    from topics.projection import project_2d

    started, cpu_started = time.perf_counter(), time.process_time()
    project_2d(vectors, seed=FIT_SEED)
    return {
        "map_2d_seconds": time.perf_counter() - started,
        "map_2d_cpu_seconds": time.process_time() - cpu_started,
    }


def fit_plain_bertopic(docs: list[str], vectors: np.ndarray) -> dict[str, Any]:
    """``BERTopic()`` as shipped: only the precomputed vectors are passed."""
    from bertopic import BERTopic

    model = BERTopic()
    topics, _ = model.fit_transform(docs, embeddings=vectors)
    ids = sorted(t for t in set(topics) if t != -1)
    return {
        "labels": np.asarray(topics),
        "topic_words": [[w for w, _ in model.get_topic(t) if w] for t in ids],
        "n_topics": len(ids),
        "vocabulary_size": len(model.vectorizer_model.get_feature_names_out()),
    }


def fit_plain_lda(docs: list[str], vectors: np.ndarray) -> dict[str, Any]:
    """scikit-learn LDA (defaults, 20 topics) on a CountVectorizer with English stop words."""
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    started = time.perf_counter()
    vectorizer = CountVectorizer(stop_words="english", min_df=2, max_df=0.95)
    counts = vectorizer.fit_transform(docs)
    _STAGE_SECONDS["count_vectorizer"] = time.perf_counter() - started
    started = time.perf_counter()
    lda = LatentDirichletAllocation(n_components=LDA_TOPICS, random_state=FIT_SEED)
    doc_topic = lda.fit_transform(counts)
    _STAGE_SECONDS["lda"] = time.perf_counter() - started
    terms = vectorizer.get_feature_names_out()
    return {
        "labels": doc_topic.argmax(axis=1),
        "topic_words": [terms[np.argsort(-row)[:25]].tolist() for row in lda.components_],
        "n_topics": LDA_TOPICS,
        "vocabulary_size": len(terms),
    }


FITTERS = {"ours": fit_ours, "bertopic": fit_plain_bertopic, "lda": fit_plain_lda}


def reference_tokens(variant: str, docs: list[str], keep: set[str]) -> list[list[str]]:
    """Documents tokenized as the variant's own vectorizer sees them, for NPMI.

    Co-occurrence is counted per document, so a unigram scores the same under
    every tokenization; only which terms exist (stop words, bigrams) differs.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from topics.config.schema import VectorizerConfig
    from topics.evaluate import tokenize_like_model

    if variant == "ours":
        return tokenize_like_model(docs, VectorizerConfig(), keep=keep)
    unigrams = VectorizerConfig(ngram_range=(1, 1), min_df=1, max_df=1.0)
    stop_words = sorted(ENGLISH_STOP_WORDS) if variant == "lda" else []
    return tokenize_like_model(docs, unigrams, stop_words=stop_words, keep=keep)


def quality(variant: str, docs: list[str], fitted: dict[str, Any]) -> dict[str, Any]:
    from topics.evaluate import npmi_coherence, outlier_share, topic_diversity

    words = fitted["topic_words"]
    keep = {term for topic in words for term in topic}
    started = time.perf_counter()
    mean, per_topic = npmi_coherence(words, reference_tokens(variant, docs, keep), top_n=10)
    return {
        "npmi": mean,
        "npmi_per_topic": per_topic,
        "diversity": topic_diversity(words, top_n=25),
        "outlier_share": outlier_share(fitted["labels"]),
        "largest_topic_share": float(np.max(np.bincount(fitted["labels"][fitted["labels"] >= 0])))
        / len(docs),
        "quality_seconds": time.perf_counter() - started,
    }


def _cpu_seconds() -> float:
    """CPU seconds of this process (all threads) and of its finished child processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def run_child(variant: str, data_dir: Path, *, with_map: bool = False) -> dict[str, Any]:
    """Fit one variant on the saved sample; return timings, peak memory and quality."""
    docs = json.loads((data_dir / "docs.json").read_text(encoding="utf-8"))
    vectors = np.load(data_dir / "vectors.npy")
    rss_before = _peak_rss_mb()
    if variant == "bertopic":
        _time_bertopic_stages()
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    fitted = FITTERS[variant](docs, vectors)
    fit_seconds = time.perf_counter() - started
    # All threads, and child processes (ours counts words in one); load-independent.
    fit_cpu_seconds = _cpu_seconds() - cpu_started
    peak = _peak_rss_mb()  # before scoring: the metrics are not part of a fit
    stages = dict(_STAGE_SECONDS)
    # None of the timed steps calls another, so the rest is their difference.
    stages["other"] = fit_seconds - sum(stages.values())
    result = {
        "variant": variant,
        "n_docs": len(docs),
        "fit_seconds": fit_seconds,
        "fit_cpu_seconds": fit_cpu_seconds,
        "docs_per_s": len(docs) / fit_seconds,
        "stage_seconds": stages,
        "rss_after_load_mb": rss_before,
        "peak_rss_mb": peak,
        **{k: v for k, v in fitted.items() if k not in ("labels", "topic_words")},
        "top_words": [words[:10] for words in fitted["topic_words"][:8]],
    }
    if variant == "ours" and with_map:
        result.update(map_2d_ours(vectors))
    result.update(quality(variant, docs, fitted))
    return result


def _peak_rss_mb() -> float:
    """This process' own peak resident memory (VmHWM), in MB.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark over fork
    and exec, so a child forked from a parent holding the archive would report
    the parent's memory.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- parent side


def run_variant(variant: str, data_dir: Path, *, with_map: bool = False) -> dict[str, Any]:
    """Fit ``variant`` in a fresh interpreter, so its peak memory is its own."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", variant, str(data_dir)]
    command += ["--map"] if with_map else []
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        return {"variant": variant, "error": f"exit {completed.returncode}: {tail}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def prepare(size: str, backend: str, cache_dir: Path, data_dir: Path) -> dict[str, Any]:
    """Write the sample's cleaned documents and its vectors for the children."""
    from topics.clean import clean_texts
    from topics.config.schema import CleanConfig

    sample = load_sample(size, cache_dir)
    vectors, embedding = sample_vectors(sample, backend, cache_dir)
    started = time.perf_counter()
    docs = list(clean_texts(sample["abstract"].tolist(), CleanConfig()))
    clean_seconds = time.perf_counter() - started
    (data_dir / "docs.json").write_text(json.dumps(docs), encoding="utf-8")
    np.save(data_dir / "vectors.npy", vectors)
    return {"n_docs": len(docs), "embedding": embedding, "clean_seconds": clean_seconds}


def environment() -> dict[str, Any]:
    from topics.manifest import machine_info, package_versions

    names = ("topics", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy")
    names += ("torch", "sentence-transformers", "gensim", "pynndescent", "numba")
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    return {
        "machine": {**machine_info(), "processor": platform.processor()},
        "packages": package_versions(names),
        "load_average_at_start": load,
    }


def print_table(size: str, backend: str, summary: dict[str, Any]) -> None:
    embedding = _embedding_line(summary)
    print(f"\n== {size} ({summary['n_docs']} docs), {backend} embeddings: {embedding}")
    print(
        f"{'variant':<9}{'fit s':>8}{'cpu s':>8}{'docs/s':>8}{'peak MB':>9}{'topics':>7}"
        f"{'outl%':>7}{'npmi':>7}{'div':>6}  stages (s)"
    )
    for row in summary["variants"]:
        if "error" in row:
            print(f"{row['variant']:<9}FAILED {row['error'].splitlines()[-1]}")
            continue
        stages = ", ".join(f"{k} {v:.1f}" for k, v in row["stage_seconds"].items())
        print(
            f"{row['variant']:<9}{row['fit_seconds']:>8.1f}{row['fit_cpu_seconds']:>8.1f}"
            f"{row['docs_per_s']:>8.0f}"
            f"{row['peak_rss_mb']:>9.0f}{row['n_topics']:>7}{row['outlier_share']:>7.1%}"
            f"{row['npmi']:>7.3f}{row['diversity']:>6.2f}  {stages}"
        )
    rows = {row["variant"]: row for row in summary["variants"] if "error" not in row}
    ours = rows.get("ours", {})
    if ours.get("vocabulary_alongside_umap_seconds") is not None:
        print(
            f"ours counted words in a second process alongside UMAP: "
            f"{ours['vocabulary_alongside_umap_seconds']:.1f} s (in its cpu s, not in its fit s)"
        )
    if "map_2d_seconds" in ours:
        print(
            f"ours' 2-D map (a pipeline run's fit stage draws it after the fit; plain BERTopic "
            f"has none): {ours['map_2d_seconds']:.1f} s, {ours['map_2d_cpu_seconds']:.1f} cpu s"
        )
    for name, ratio in fit_ratios(summary).items():
        print(f"{name}: {ratio:.2f}x")


def fit_ratios(summary: dict[str, Any]) -> dict[str, float]:
    """Ours over plain BERTopic, wall and CPU seconds of the fit, from the same run."""
    rows = {row["variant"]: row for row in summary["variants"] if "error" not in row}
    if "ours" not in rows or "bertopic" not in rows:
        return {}
    ours, plain = rows["ours"], rows["bertopic"]
    return {
        "fit wall ours/bertopic": ours["fit_seconds"] / plain["fit_seconds"],
        "fit cpu ours/bertopic": ours["fit_cpu_seconds"] / plain["fit_cpu_seconds"],
    }


def _embedding_line(summary: dict[str, Any]) -> str:
    emb = summary["embedding"]
    if "seconds" in emb and emb.get("docs_per_s"):
        return f"{emb['seconds']:.1f} s, {emb['docs_per_s']:.0f} docs/s"
    if "projected_seconds" in emb:
        rate = emb["projected_from_docs_per_s"]
        return f"cached; encoding would take {emb['projected_seconds']:.0f} s at {rate:.0f} docs/s"
    return "from cache"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="2k")
    parser.add_argument("--backend", choices=("minilm", "static", "tfidf"), default="minilm")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma list")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/compare_<size>.json")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the prepared documents and vectors here and reuse them on the next run",
    )
    parser.add_argument("--embed-only", action="store_true", help="fill the embedding cache")
    parser.add_argument(
        "--map",
        action="store_true",
        help="also time the 2-D map of a pipeline run after fitting ours (not part of the fit)",
    )
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = run_child(args.child[0], Path(args.child[1]), with_map=args.map)
        print(json.dumps(result, default=_jsonable))
        return 0
    if args.embed_only:
        _, info = sample_vectors(
            load_sample(args.size, args.cache_dir), args.backend, args.cache_dir
        )
        print(json.dumps(info))
        return 0
    summary: dict[str, Any] = {"size": args.size, "backend": args.backend, **environment()}
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        summary.update(_prepared(args, Path(tmp)))
        summary["variants"] = []
        for variant in args.variants.split(","):
            print(f"fitting {variant} on {summary['n_docs']} docs ...", flush=True)
            summary["variants"].append(run_variant(variant, Path(tmp), with_map=args.map))
    summary["ratios"] = fit_ratios(summary)
    print_table(args.size, args.backend, summary)
    out = args.out or RESULTS / f"compare_{args.size}.json"
    _merge_into(out, args.backend, summary)
    print(f"wrote {out}")
    return 0


def _prepared(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Prepare the sample in ``tmp``, or reuse (and first fill) ``--data-dir``."""
    if args.data_dir is None:
        return prepare(args.size, args.backend, args.cache_dir, tmp)
    info_path = args.data_dir / "prepare.json"
    if not info_path.exists():
        args.data_dir.mkdir(parents=True, exist_ok=True)
        info = prepare(args.size, args.backend, args.cache_dir, args.data_dir)
        info_path.write_text(json.dumps(info, default=_jsonable))
    for name in ("docs.json", "vectors.npy"):
        (tmp / name).symlink_to((args.data_dir / name).resolve())
    return json.loads(info_path.read_text())


def _merge_into(path: Path, backend: str, summary: dict[str, Any]) -> None:
    """One file per size, one entry per embedding backend (the 10k file holds both).

    Variants of an earlier run on the same sample that this run did not fit
    are kept, so one variant can be re-run (or run apart) without losing the rest.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = json.loads(path.read_text()) if path.exists() else {}
    earlier = existing.get(backend, {})
    if earlier.get("n_docs") == summary["n_docs"]:
        fitted = {row["variant"] for row in summary["variants"]}
        kept = [row for row in earlier.get("variants", []) if row["variant"] not in fitted]
        summary = {**summary, "variants": kept + summary["variants"]}
    existing[backend] = summary
    path.write_text(json.dumps(existing, indent=2, default=_jsonable) + "\n")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


if __name__ == "__main__":
    raise SystemExit(main())
