"""Evaluating a finished run from its saved files: ``data/evaluation.json``.

Everything is read back from the run directory (``manifest.json``,
``data/papers.parquet`` or ``.csv``, ``model/``), so a run can be evaluated
long after it finished, and a sweep can evaluate each of its runs.
Without stability seeds nothing is refitted and no embedding is needed: the
sweep case costs one pass of the vectorizer's analyzer over the corpus.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from topics import __version__
from topics._io import atomic_write_json
from topics.config.schema import ModelConfig, VectorizerConfig
from topics.errors import TopicsError
from topics.evaluate._coherence import (
    coherence_word_lists,
    npmi_coherence,
    tokenize_like_model,
    topic_diversity,
)
from topics.evaluate._stability import (
    match_topics,
    pairwise_adjusted_rand,
    topic_centroids,
    topic_word_vectors,
)
from topics.evaluate._themes import match_theme_labels, theme_scores

__all__ = [
    "CENTROID_MATCH_THRESHOLD",
    "DIVERSITY_TOP_N",
    "EVALUATION_FILE",
    "WORD_MATCH_THRESHOLD",
    "evaluate_run",
    "outlier_share",
]

log = logging.getLogger(__name__)

EVALUATION_FILE = Path("data") / "evaluation.json"
FORMAT = "topics.evaluation"
FORMAT_VERSION = 1
DIVERSITY_TOP_N = 25
# Cosine similarity from which two paired topics of different seeds count as the
# same topic. Measured on the seed corpus (BERTopic, MiniLM, seeds 42 vs 43-45):
# topic-word (c-TF-IDF) rows of paired topics are mostly 0.8-0.98, while the most
# similar *unpaired* topics reach 0.78 (p90 0.5). Document centroids of abstracts
# from one field are all alike: paired 0.96-1.0, but unpaired ones reach 0.96
# (p90 0.88), so centroids need a far higher bar and tell topics apart less well.
CENTROID_MATCH_THRESHOLD = 0.95
WORD_MATCH_THRESHOLD = 0.8
OUTLIER_TOPIC = -1

Progress = Callable[[Iterable[int]], Iterable[int]]


def outlier_share(labels: Sequence[int] | np.ndarray) -> float:
    """Share of documents without a topic (label ``-1``); ``nan`` for no documents.

    Examples
    --------
    >>> outlier_share([-1, 0, 0, 1])
    0.25
    """
    array = np.asarray(labels)
    return float(np.mean(array == OUTLIER_TOPIC)) if array.size else math.nan


def evaluate_run(
    run_dir: Path,
    *,
    labels: Path | None = None,
    stability_seeds: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Compute the quality metrics of a finished run and save them to ``data/evaluation.json``.

    Parameters
    ----------
    run_dir : Path
        A run directory written by ``topics run`` (with ``model/``).
    labels : Path, optional
        A CSV of hand-labelled themes (see :func:`match_theme_labels`); adds
        precision, recall and F1 per theme.
    stability_seeds : int, default=0
        Refit the topic model with this many other seeds (the run's seed + 1,
        + 2, ...) on the cached embeddings and compare every pair of fits,
        the run's own included. 0 skips it: nothing is refitted.
    progress : callable, optional
        Wraps the iterable of seeds, e.g. ``tqdm``, to show refit progress.

    Returns
    -------
    dict
        What ``data/evaluation.json`` holds: ``coherence`` (NPMI, mean and per
        topic), ``diversity``, ``outliers``, ``stability`` (or None) and
        ``themes`` (or None). Undefined numbers are ``None``.

    Raises
    ------
    TopicsError
        If the run directory lacks a file the evaluation needs.
    """
    from topics.models import load_topic_model

    run_dir = Path(run_dir)
    if stability_seeds < 0:
        raise ValueError(f"stability_seeds must be >= 0; got {stability_seeds}")
    manifest = _read_manifest(run_dir)
    config = manifest.get("config") or {}
    papers = _read_papers(run_dir)
    model = load_topic_model(_require(run_dir / "model" / "topic_model"))
    docs = _document_texts(papers)
    table = model.topic_table_[model.topic_table_["topic"] != OUTLIER_TOPIC]
    topic_words = [list(k) for k in table["keywords"]]
    result: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "topics_version": __version__,
        "experiment": manifest.get("experiment") or run_dir.name,
        "model_kind": model.kind,
        "n_papers": len(papers),
        "n_topics": len(table),
        "coherence": _coherence(model, table, topic_words, docs),
        "diversity": {
            "top_n": min(DIVERSITY_TOP_N, max((len(w) for w in topic_words), default=0)),
            "value": topic_diversity(topic_words, DIVERSITY_TOP_N),
        },
        "outliers": {
            "before_reduction": float(model.outlier_share_),
            "after_reduction": float(model.final_outlier_share_),
            "assigned": outlier_share(papers["topic"].to_numpy()),
        },
        "stability": None,
        "themes": None,
    }
    if labels is not None:
        result["themes"] = _theme_metrics(Path(labels), papers, config)
    if stability_seeds:
        result["stability"] = _stability(
            run_dir, config, model, docs, stability_seeds, progress=progress
        )
    result = _json_safe(result)
    atomic_write_json(run_dir / EVALUATION_FILE, result)
    return result


def _coherence(
    model: Any, table: pd.DataFrame, topic_words: list[list[str]], docs: list[str]
) -> dict[str, Any]:
    top_n = max(2, int(getattr(model, "top_n_words", 10) or 10))
    terms = {term for words in topic_words for term in words[: 3 * top_n]}
    tokenized = tokenize_like_model(
        docs,
        getattr(model, "vectorizer", None) or VectorizerConfig(),
        stop_words=getattr(model, "stop_words_", None),
        keep=terms,
    )
    mean, per_topic = npmi_coherence(topic_words, tokenized, top_n=top_n)
    present = {token for doc in tokenized for token in doc}
    scored = [coherence_word_lists(words, top_n, present) for words in topic_words]
    return {
        "measure": "c_npmi",
        "window": "document",
        "top_n": top_n,
        "skip_nested": True,
        "mean": mean,
        "per_topic": [
            {"topic": int(topic), "label": str(label), "npmi": value, "words": words}
            for topic, label, value, words in zip(
                table["topic"], table["label"], per_topic, scored, strict=True
            )
        ],
    }


def _theme_metrics(path: Path, papers: pd.DataFrame, config: Mapping[str, Any]) -> dict[str, Any]:
    run_themes = [str(t["name"]) for t in config.get("themes") or []]
    labelled = match_theme_labels(path, papers, run_themes)
    predicted = {
        str(pid): {t for t in str(themes).split(";") if t in run_themes}
        for pid, themes in zip(papers["paper_id"], papers["themes"].fillna(""), strict=True)
    }
    scores = theme_scores(labelled.themes, predicted, run_themes)
    for issue in labelled.issues:
        log.warning("%s:%d: %s", path, issue.line, issue.reason)
    return {
        "labels_file": str(path),
        "n_label_rows": labelled.n_rows,
        "n_matched_papers": len(labelled.themes),
        "issues": [issue.as_dict() for issue in labelled.issues],
        **scores,
    }


def _stability(
    run_dir: Path,
    config: Mapping[str, Any],
    model: Any,
    docs: list[str],
    n_seeds: int,
    *,
    progress: Progress | None,
) -> dict[str, Any]:
    """Refit with other seeds on the cached embeddings; compare all pairs of fits."""
    from topics.models import build_topic_model

    base_seed = int(config.get("seed", 0))
    model_config = ModelConfig.model_validate(config.get("model") or {})
    vectors = _embeddings(run_dir, config, docs)
    seeds = [base_seed + i for i in range(1, n_seeds + 1)]
    fits: list[tuple[int, Any]] = [(base_seed, model)]
    for seed in progress(seeds) if progress is not None else seeds:
        refit = build_topic_model(model_config, seed=seed).fit(docs, embeddings=vectors)
        fits.append((seed, refit))
    partitions = [np.asarray(m.labels_) for _, m in fits]
    if any(len(p) != len(docs) for p in partitions):
        raise TopicsError(
            f"{run_dir}/model was fitted on {len(partitions[0])} documents but the run has "
            f"{len(docs)} papers; re-run the pipeline before evaluating stability"
        )
    ari = [
        {"seed_a": fits[i][0], "seed_b": fits[j][0], "ari": value}
        for i, j, value in pairwise_adjusted_rand(partitions)
    ]
    return {
        "seeds": [seed for seed, _ in fits],
        "n_topics": [int(m.n_topics_) for _, m in fits],
        "ari": {
            "mean": float(np.mean([r["ari"] for r in ari])),
            "min": float(np.min([r["ari"] for r in ari])),
            "pairs": ari,
        },
        "topic_match": {
            "centroid": _matches(
                fits, lambda m: topic_centroids(vectors, m.labels_), CENTROID_MATCH_THRESHOLD
            ),
            "words": _matches(fits, topic_word_vectors, WORD_MATCH_THRESHOLD),
        },
    }


def _matches(
    fits: list[tuple[int, Any]], vectors_of: Callable[[Any], Any], threshold: float
) -> dict[str, Any] | None:
    """Hungarian matching of every pair of fits on the topic vectors ``vectors_of`` gives."""
    vectors = [vectors_of(m) for _, m in fits]
    if any(v is None for v in vectors):
        return None
    pairs = []
    for i in range(len(fits)):
        for j in range(i + 1, len(fits)):
            (ids_a, a), (ids_b, b) = vectors[i], vectors[j]
            match = match_topics(a, b, ids_a=ids_a, ids_b=ids_b, threshold=threshold)
            pairs.append(
                {
                    "seed_a": fits[i][0],
                    "seed_b": fits[j][0],
                    "mean_similarity": match.mean_similarity,
                    "share_matched": match.share_matched,
                    "matches": [[a_id, b_id, round(s, 4)] for a_id, b_id, s in match.pairs],
                }
            )
    return {
        "threshold": threshold,
        "mean_similarity": float(np.nanmean([p["mean_similarity"] for p in pairs])),
        "share_matched": float(np.nanmean([p["share_matched"] for p in pairs])),
        "pairs": pairs,
    }


def _embeddings(run_dir: Path, config: Mapping[str, Any], docs: list[str]) -> np.ndarray:
    """The run's document embeddings, read from the embedding cache (computed if missing)."""
    from topics.embed import embed_texts, load_embedder

    embedding = config.get("embedding") or {}
    # The run's own config names its embedding model: evaluate works on a run
    # of yours, whose caches it reads too.
    embedder = load_embedder(
        _require(run_dir / "model" / "embedder"), local_model=embedding.get("model")
    )
    output_dir = Path(config.get("output_dir") or run_dir.parent)
    cache_dir = Path(embedding.get("cache_dir") or output_dir / ".cache" / "embeddings")
    vectors, stats = embed_texts(
        docs,
        embedder,
        cache_dir,
        batch_size=int(embedding.get("batch_size") or 32),
        show_progress=False,
    )
    if stats.n_computed:
        log.warning(
            "%d of %d texts were not in the embedding cache %s and were embedded again",
            stats.n_computed,
            stats.n_unique,
            cache_dir,
        )
    return vectors


def _document_texts(papers: pd.DataFrame) -> list[str]:
    from topics.fitted import document_texts

    titles = papers["title"].fillna("").astype(str).tolist()
    return document_texts(titles, papers["text"].fillna("").astype(str).tolist())


def _read_manifest(run_dir: Path) -> dict[str, Any]:
    path = _require(run_dir / "manifest.json")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TopicsError(f"cannot read {path}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise TopicsError(f"{path} must hold a JSON object")
    return manifest


def _read_papers(run_dir: Path) -> pd.DataFrame:
    """``data/papers.parquet`` (fast), else ``data/papers.csv``; the columns evaluation uses."""
    columns = ["paper_id", "title", "arxiv_id", "text", "topic", "themes"]
    parquet, csv = run_dir / "data" / "papers.parquet", run_dir / "data" / "papers.csv"
    if parquet.is_file():
        frame = pd.read_parquet(parquet)
    elif csv.is_file():
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    else:
        raise TopicsError(f"{run_dir}: no data/papers.parquet or data/papers.csv; is it a run?")
    missing = [c for c in columns if c not in frame.columns and c != "arxiv_id"]
    if missing:
        raise TopicsError(f"{run_dir}/data/papers: missing column(s) {', '.join(missing)}")
    frame = frame[[c for c in columns if c in frame.columns]].copy()
    frame["topic"] = pd.to_numeric(frame["topic"], errors="coerce").fillna(-1).astype(int)
    return frame.reset_index(drop=True)


def _require(path: Path) -> Path:
    if not path.exists():
        raise TopicsError(
            f"cannot evaluate: {path} is missing. Is this the directory of a completed run?"
        )
    return path


def _json_safe(value: Any) -> Any:
    """NaN and infinities become None: JSON has no NaN, and the report shows None as "–"."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.floating | np.integer):
        return _json_safe(value.item())
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
