"""Drift: do the new papers of an update fit the saved topics?

A paper fits poorly when the model gives it no topic, or a topic confidence
below what most papers of the last run reach (``update.low_fit_quantile`` of
their confidences: the same rule for cosine similarities and for LDA/NMF
shares). When the poorly fitting share of the new papers is above
``update.drift_threshold``, they are clustered (seeded k-means on their
embeddings) and each cluster is named by its c-TF-IDF keywords against the
rest of the corpus, which is what a user needs to decide whether to refit.

``data/drift.json`` holds the result; the report's "What changed" page shows it.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from topics.config.schema import UpdateConfig

__all__ = ["drift_report", "low_fit"]

log = logging.getLogger("topics.pipeline")

_N_KEYWORDS = 8
_N_EXAMPLES = 3
_MIN_CLUSTER = 5
# Papers of the last run that stand for "the rest of the corpus" in c-TF-IDF.
_BACKGROUND = 5000


def low_fit(
    topics: np.ndarray, confidence: np.ndarray, old_confidence: np.ndarray, q: float
) -> np.ndarray:
    """Which papers fit poorly: no topic, or confidence below the old papers' ``q`` quantile."""
    assigned = old_confidence[np.asarray(old_confidence) > 0]
    cutoff = float(np.quantile(assigned, q)) if len(assigned) else 0.0
    return (np.asarray(topics) < 0) | (np.asarray(confidence) < cutoff)


def drift_report(
    options: UpdateConfig,
    new_papers: pd.DataFrame,
    new_vectors: np.ndarray,
    old_papers: pd.DataFrame,
    *,
    seed: int,
) -> dict[str, Any]:
    """The ``data/drift.json`` record of one update.

    ``new_papers`` carry the ``topic``, ``topic_confidence``, ``title`` and
    ``text`` the update gave them; ``old_papers`` are the last run's.
    """
    poor = low_fit(
        new_papers["topic"].to_numpy(),
        new_papers["topic_confidence"].to_numpy(dtype=np.float64),
        old_papers["topic_confidence"].to_numpy(dtype=np.float64),
        options.low_fit_quantile,
    )
    n_new, n_low = len(new_papers), int(poor.sum())
    share = n_low / n_new if n_new else 0.0
    drifted = bool(n_new and share > options.drift_threshold)
    clusters: list[dict[str, Any]] = []
    if drifted:
        log.warning(
            "drift: %d of %d new papers (%.0f%%) fit the saved topics poorly, above "
            "update.drift_threshold=%.2f; consider a refit (`topics run`)",
            n_low,
            n_new,
            100 * share,
            options.drift_threshold,
        )
        clusters = _clusters(
            new_papers.loc[poor], new_vectors[poor], old_papers, options.drift_clusters, seed
        )
        for cluster in clusters:
            log.warning("  %4d papers: %s", cluster["size"], ", ".join(cluster["keywords"]))
    elif n_new:
        log.info(
            "drift: %d of %d new papers fit the saved topics poorly (%.0f%%)",
            n_low,
            n_new,
            100 * share,
        )
    return {
        "threshold": float(options.drift_threshold),
        "new_papers": n_new,
        "low_fit": n_low,
        "low_fit_share": round(share, 6),
        "drifted": drifted,
        "clusters": clusters,
    }


def _clusters(
    papers: pd.DataFrame, vectors: np.ndarray, old_papers: pd.DataFrame, most: int, seed: int
) -> list[dict[str, Any]]:
    """Seeded k-means on the poorly fitting papers; biggest cluster first."""
    from sklearn.cluster import KMeans

    k = max(1, min(most, len(papers) // _MIN_CLUSTER))
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    if k == 1:
        labels = np.zeros(len(papers), dtype=np.int64)
    else:
        labels = KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(unit)
    keywords = _cluster_keywords(papers, labels, old_papers, seed)
    clusters = []
    for label in range(k):
        members = np.flatnonzero(labels == label)
        if not len(members):
            continue
        centroid = unit[members].mean(axis=0)
        closest = members[np.argsort(-(unit[members] @ centroid), kind="stable")[:_N_EXAMPLES]]
        clusters.append(
            {
                "size": len(members),
                "keywords": keywords.get(str(label), []),
                "example_titles": [str(t) for t in papers["title"].to_numpy()[closest]],
            }
        )
    clusters.sort(key=lambda c: -c["size"])
    return clusters


def _cluster_keywords(
    papers: pd.DataFrame, labels: np.ndarray, old_papers: pd.DataFrame, seed: int
) -> dict[str, list[str]]:
    """c-TF-IDF terms of each cluster, against a seeded sample of the last run's papers."""
    from topics.trends._keywords import topic_keywords_by_year

    background = old_papers.sample(min(_BACKGROUND, len(old_papers)), random_state=seed)
    ids = [f"new-{i}" for i in range(len(papers))] + [f"old-{i}" for i in range(len(background))]
    texts = pd.concat([papers["text"], background["text"]], ignore_index=True)
    groups = [str(label) for label in labels] + ["rest"] * len(background)
    frame = pd.DataFrame(
        {"paper_id": ids, "year": pd.array([None] * len(ids), dtype="Int64"), "text": texts}
    )
    table = topic_keywords_by_year(frame, pd.Series(groups, index=ids), top_n=_N_KEYWORDS)
    return {
        str(row.topic): [w for w in str(row.keywords).split(", ") if w]
        for row in table.itertuples()
        if row.topic != "rest"
    }
