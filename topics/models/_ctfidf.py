"""Class-based TF-IDF and keywords from the one doc-term count matrix of a fit.

BERTopic computes c-TF-IDF by joining each topic's documents into one string
and running the vectorizer over those strings, and ``update_topics`` does it
all again: two more tokenizing passes over the whole corpus after the one that
learnt the vocabulary (about 22 of the 116 seconds of a 50k fit). The topic-term
counts are the sum of the topic's rows of the doc-term matrix, one sparse
product. The weights are BERTopic's own ``ClassTfidfTransformer`` and the
keywords its own top-30 candidates and MMR, so the results are BERTopic's. The
one difference: a joined string also counts a bigram formed by the last word of
one abstract and the first of the next when that pair is in the vocabulary;
summing per document does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = [
    "MMR_CANDIDATES",
    "class_tfidf",
    "mmr_keywords",
    "nearest_topic",
    "top_candidates",
    "topic_term_counts",
]

# BERTopic takes at least this many c-TF-IDF terms per topic as keyword candidates.
MMR_CANDIDATES = 30
# BERTopic's placeholder for a missing candidate (a topic with fewer terms).
_PLACEHOLDER = ("", 0.00001)

Keywords = list[tuple[str, float]]


def topic_term_counts(
    counts: sp.csr_matrix, labels: np.ndarray, topics: np.ndarray
) -> sp.csr_matrix:
    """Term counts per topic, one row per entry of the sorted ``topics``.

    The rows of ``counts`` whose label is not in ``topics`` are left out.
    """
    labels = np.asarray(labels)
    keep = np.isin(labels, topics)
    rows = np.searchsorted(topics, labels[keep])
    docs = np.flatnonzero(keep)
    indicator = sp.csr_matrix(
        (np.ones(len(docs), dtype=counts.dtype), (rows, docs)),
        shape=(len(topics), counts.shape[0]),
    )
    return sp.csr_matrix(indicator @ counts)


def class_tfidf(topic_counts: sp.csr_matrix) -> tuple[Any, sp.csr_matrix]:
    """BERTopic's c-TF-IDF (``reduce_frequent_words=True``), fitted on ``topic_counts``."""
    from bertopic.vectorizers import ClassTfidfTransformer

    model = ClassTfidfTransformer(reduce_frequent_words=True).fit(topic_counts)
    return model, sp.csr_matrix(model.transform(topic_counts))


def top_candidates(
    c_tf_idf: sp.csr_matrix, vocabulary: Sequence[str], n_words: int
) -> list[Keywords]:
    """Each row's best ``max(n_words, 30)`` terms, best first, as BERTopic lists them.

    A term with weight 0 becomes BERTopic's empty placeholder, so a topic with
    few terms has the same candidates as in BERTopic.
    """
    from bertopic import BERTopic

    n = max(n_words, MMR_CANDIDATES)
    indices = BERTopic._top_n_idx_sparse(c_tf_idf, n)
    scores = BERTopic._top_n_values_sparse(c_tf_idf, indices)
    order = np.argsort(scores, 1)
    indices = np.take_along_axis(indices, order, axis=1)
    scores = np.take_along_axis(scores, order, axis=1)
    return [
        [
            (vocabulary[int(index)], float(score))
            if index is not None and score > 0
            else _PLACEHOLDER
            for index, score in zip(row_indices[::-1], row_scores[::-1], strict=True)
        ]
        for row_indices, row_scores in zip(indices, scores, strict=True)
    ]


def mmr_keywords(candidates: Keywords, embed: Any, *, diversity: float, top_n: int) -> Keywords:
    """BERTopic's ``MaximalMarginalRelevance`` for one topic, with our term vectors.

    The topic is embedded as the text of its joined candidates, the candidates
    one by one; the chosen ones keep their c-TF-IDF order and weight.
    """
    from bertopic.representation._mmr import mmr

    words = [word for word, _ in candidates]
    word_vectors = np.asarray(embed(words))
    topic_vector = np.asarray(embed([" ".join(words)])).reshape(1, -1)
    chosen = set(mmr(topic_vector, word_vectors, words, diversity, top_n))
    return [(word, value) for word, value in candidates if word in chosen]


def nearest_topic(
    doc_rows: Any, topic_rows: Any, topic_ids: np.ndarray, threshold: float
) -> np.ndarray:
    """BERTopic's outlier rule: the most cosine-similar topic; ``-1`` below ``threshold``."""
    from sklearn.metrics.pairwise import cosine_similarity

    similarity = np.asarray(cosine_similarity(doc_rows, topic_rows))
    similarity[similarity < threshold] = 0
    best = topic_ids[np.argmax(similarity, axis=1)]
    return np.where(similarity.sum(axis=1) > 0, best, -1).astype(np.int64)
