"""Do the topics survive a change of seed? Partition agreement and matched topics.

A topic model whose topics change with the random seed describes the seed as
much as the corpus. Two views of "the same topics":

* **Document assignments** agree: the adjusted Rand index (ARI) of two
  partitions is 1 for identical ones (whatever the topic numbers) and about 0
  for unrelated ones. Outliers (``-1``) count as one more cluster.
* **Topics** agree: each topic of one fit is paired with one topic of the
  other by the Hungarian method (``scipy.optimize.linear_sum_assignment``) on
  the cosine similarity of their vectors, either the centroid of their
  documents' embeddings or their topic-word weights (c-TF-IDF for BERTopic,
  ``components_`` for LDA and NMF). A topic that finds no partner (the other
  fit has fewer topics) counts as unmatched.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import normalize

__all__ = [
    "TopicMatch",
    "adjusted_rand",
    "match_topics",
    "pairwise_adjusted_rand",
    "topic_centroids",
    "topic_word_vectors",
]

OUTLIER_TOPIC = -1


def adjusted_rand(labels_a: Sequence[int], labels_b: Sequence[int]) -> float:
    """Adjusted Rand index of two assignments of the same documents, in the same order.

    Returns
    -------
    float
        1.0 for identical partitions (up to renaming the topics), about 0.0
        for independent ones, negative for worse than chance.

    Examples
    --------
    >>> adjusted_rand([0, 0, 1, 1], [5, 5, 2, 2])
    1.0
    """
    a, b = np.asarray(labels_a), np.asarray(labels_b)
    if a.shape != b.shape:
        raise ValueError(
            f"both assignments must cover the same documents; got {a.shape} and {b.shape}"
        )
    return float(adjusted_rand_score(a, b))


def pairwise_adjusted_rand(partitions: Sequence[Sequence[int]]) -> list[tuple[int, int, float]]:
    """ARI of every pair of partitions: ``(i, j, ari)`` for ``i < j``."""
    return [
        (i, j, adjusted_rand(partitions[i], partitions[j]))
        for i, j in itertools.combinations(range(len(partitions)), 2)
    ]


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """The one-to-one pairing of the topics of two fits.

    Attributes
    ----------
    pairs : list of (int, int, float)
        ``(topic in A, topic in B, cosine similarity)`` of each paired topic.
    n_topics_a, n_topics_b : int
        Topics in each fit.
    threshold : float
        The similarity from which a pair counts as the same topic.
    """

    pairs: list[tuple[int, int, float]]
    n_topics_a: int
    n_topics_b: int
    threshold: float

    @property
    def mean_similarity(self) -> float:
        """Mean similarity of the paired topics (``nan`` if none could be paired)."""
        return float(np.mean([s for _, _, s in self.pairs])) if self.pairs else float("nan")

    @property
    def share_matched(self) -> float:
        """Pairs at or above ``threshold``, over the topics of the larger fit."""
        larger = max(self.n_topics_a, self.n_topics_b)
        if not larger:
            return float("nan")
        return sum(s >= self.threshold for _, _, s in self.pairs) / larger


def match_topics(
    vectors_a: np.ndarray,
    vectors_b: np.ndarray,
    *,
    ids_a: Sequence[int] | None = None,
    ids_b: Sequence[int] | None = None,
    threshold: float = 0.8,
) -> TopicMatch:
    """Pair the topics of two fits one-to-one, maximising the total cosine similarity.

    Parameters
    ----------
    vectors_a, vectors_b : array-like of shape (n_topics, dim)
        One vector per topic (dense or sparse); rows need not be normalised.
    ids_a, ids_b : sequence of int, optional
        Topic ids of the rows (default: row numbers).
    threshold : float, default=0.8
        Similarity from which a pair counts as the same topic (0.8 suits
        c-TF-IDF rows; document centroids of one field need about 0.95).

    Returns
    -------
    TopicMatch
    """
    a, b = _unit_rows(vectors_a), _unit_rows(vectors_b)
    ids_a = list(range(a.shape[0])) if ids_a is None else list(ids_a)
    ids_b = list(range(b.shape[0])) if ids_b is None else list(ids_b)
    if a.shape[0] == 0 or b.shape[0] == 0:
        return TopicMatch([], a.shape[0], b.shape[0], threshold)
    product = a @ b.T
    similarity = np.asarray(product.toarray() if sp.issparse(product) else product, np.float64)
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    pairs = [
        (int(ids_a[r]), int(ids_b[c]), float(similarity[r, c]))
        for r, c in zip(rows, cols, strict=True)
    ]
    return TopicMatch(pairs, a.shape[0], b.shape[0], threshold)


def topic_centroids(embeddings: np.ndarray, labels: Sequence[int]) -> tuple[list[int], np.ndarray]:
    """Topic ids (outliers excluded) and the L2-normalised mean embedding of each topic."""
    labels = np.asarray(labels)
    ids = sorted(int(t) for t in set(labels.tolist()) - {OUTLIER_TOPIC})
    if not ids:
        return [], np.zeros((0, embeddings.shape[1]), dtype=np.float64)
    means = np.vstack([embeddings[labels == t].mean(axis=0) for t in ids])
    return ids, normalize(means.astype(np.float64))


def topic_word_vectors(model: Any) -> tuple[list[int], Any] | None:
    """A fitted model's topic-word weights over its vocabulary, one row per topic.

    BERTopic's c-TF-IDF rows, or the ``components_`` of LDA and NMF; ``None``
    for a model that keeps neither. Fits of the same documents and vectorizer
    settings share one vocabulary, so these rows are comparable across seeds.
    """
    ids = [int(t) for t in model.topic_ids_]
    for name in ("c_tf_idf_", "components_"):
        weights = getattr(model, name, None)
        if weights is not None and weights.shape[0] == len(ids):
            return ids, weights
    return None


def _unit_rows(vectors: Any) -> Any:
    if sp.issparse(vectors):
        return normalize(sp.csr_matrix(vectors, dtype=np.float64))
    array = np.asarray(vectors, dtype=np.float64)
    return normalize(array) if array.size else array
