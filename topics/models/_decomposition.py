"""Bag-of-words baselines: a matrix factorisation of the doc-term matrix.

LDA and NMF differ only in how words are weighted (counts or TF-IDF) and in
the scikit-learn estimator. Everything else lives here: the vocabulary, the
topic table and assignment.

``transform`` never calls the estimator object that ``fit`` trained. It
rebuilds one from the saved arrays (:meth:`_estimator_from_state`) every
time, in a freshly fitted model and in a loaded one alike, so the two cannot
assign a document differently.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from numbers import Integral
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator as SklearnEstimator
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval

from topics.config.schema import VectorizerConfig
from topics.errors import ModelError
from topics.models._base import (
    N_REPRESENTATIVE_DOCS,
    TopicAssignment,
    TopicModel,
    check_docs,
    make_topic_table,
    representative_docs,
)
from topics.models._text import (
    LEGACY_TOKEN_PATTERN,
    TOKEN_PATTERN,
    build_vectorizer,
    fit_vocabulary,
    keyword_fragments,
    resolve_stop_words,
)

__all__ = ["DEFAULT_N_TOPICS", "DecompositionTopicModel"]

DEFAULT_N_TOPICS = 20


class DecompositionTopicModel(TopicModel):
    """Shared machinery of :class:`LDATopicModel` and :class:`NMFTopicModel`."""

    _config_params: ClassVar[dict[str, Any]] = {"vectorizer": VectorizerConfig}
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "nr_topics": [Interval(Integral, 2, None, closed="left"), None],
        "top_n_words": [Interval(Integral, 1, None, closed="left")],
        "vectorizer": [VectorizerConfig, None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both"), None],
    }

    nr_topics: int | None
    top_n_words: int
    vectorizer: VectorizerConfig | None
    random_state: int | None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, docs: Sequence[str], y: None = None, *, embeddings: Any = None) -> Self:
        """Learn topics from ``docs``.

        Parameters
        ----------
        docs : sequence of str
            Training documents.
        y : None
            Ignored; present for scikit-learn compatibility.
        embeddings : ignored
            Bag-of-words models do not use embeddings; accepted so that every
            backend is called the same way.

        Returns
        -------
        self
        """
        doc_list = check_docs(docs)
        config = self.vectorizer or VectorizerConfig()
        self.stop_words_ = resolve_stop_words(config)
        self.token_pattern_ = TOKEN_PATTERN
        self.vocabulary_, counts = fit_vocabulary(doc_list, config, stop_words=self.stop_words_)
        self._fragments = keyword_fragments(self.vocabulary_, counts)
        counts = self._count(doc_list)
        self._learn_weighting(counts)
        features = self._weight(counts)
        n_topics = self.nr_topics or DEFAULT_N_TOPICS
        self._check_enough_data(features, n_topics)
        estimator = self._make_estimator(n_topics).fit(features)
        self._store_estimator(estimator)
        self.topic_ids_ = np.arange(n_topics, dtype=np.int64)
        self.n_topics_ = n_topics
        assignment = self._assign(features)
        self.labels_ = assignment.topics
        self.outlier_share_ = float(np.mean(self.labels_ == -1)) if len(doc_list) else 0.0
        self.final_outlier_share_ = self.outlier_share_
        self.topic_table_ = self._build_topic_table(assignment)
        return self

    def transform(self, docs: Sequence[str], *, embeddings: Any = None) -> TopicAssignment:
        """Assign documents to the learnt topics.

        A document without any vocabulary term gets topic ``-1``: the model has
        no evidence for any topic.

        Parameters
        ----------
        docs : sequence of str
            Documents to assign.
        embeddings : ignored
            Accepted so that every backend is called the same way.

        Returns
        -------
        TopicAssignment
            Topic, confidence (the topic's share of the document) and the full
            doc-topic distribution.
        """
        self._check_fitted()
        return self._assign(self._weight(self._count(check_docs(docs))))

    # Subclass hooks ------------------------------------------------------

    @abstractmethod
    def _make_estimator(self, n_topics: int) -> SklearnEstimator:
        """An unfitted scikit-learn estimator with this model's settings."""

    def _store_estimator(self, estimator: SklearnEstimator) -> None:
        """Copy what ``transform`` needs from the trained estimator to ``self``.

        Every factorisation keeps its topic-term matrix; a subclass extends
        this with whatever else its estimator's ``transform`` reads.
        """
        self.components_ = np.asarray(estimator.components_, dtype=np.float64)

    def _estimator_from_state(self) -> SklearnEstimator:
        """A scikit-learn estimator rebuilt from the fitted attributes only.

        Subclasses extend it with the estimator's own fitted attributes.
        """
        estimator = self._make_estimator(self.n_topics_)
        estimator.components_ = self.components_
        estimator.n_features_in_ = len(self.vocabulary_)
        return estimator

    @abstractmethod
    def _doc_topic(self, features: sp.csr_matrix) -> np.ndarray:
        """Unnormalised doc-topic weights from the rebuilt estimator."""

    def _keyword_ranking(self, topic_word: np.ndarray) -> np.ndarray:
        """Scores that order each topic's keywords; by default the topic-word weights."""
        return topic_word

    def _learn_weighting(self, counts: sp.csr_matrix) -> None:
        """Learn term weights (e.g. IDF) from the training counts; nothing for counts."""

    def _weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        return counts

    # Shared steps --------------------------------------------------------

    def _count(self, docs: list[str]) -> sp.csr_matrix:
        config = self.vectorizer or VectorizerConfig()
        vectorizer = build_vectorizer(
            config,
            stop_words=self.stop_words_,
            vocabulary=self.vocabulary_,
            token_pattern=self.token_pattern_,
        )
        return sp.csr_matrix(vectorizer.transform(docs))

    def _assign(self, features: sp.csr_matrix) -> TopicAssignment:
        has_terms = np.asarray(features.getnnz(axis=1) > 0)
        weights = np.zeros((features.shape[0], self.n_topics_), dtype=np.float64)
        if has_terms.any():
            weights[has_terms] = self._doc_topic(features[has_terms])
        totals = weights.sum(axis=1, keepdims=True)
        shares = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        return TopicAssignment.from_scores(
            shares, self.topic_ids_, assigned=has_terms & (totals[:, 0] > 0)
        )

    def _check_enough_data(self, features: sp.csr_matrix, n_topics: int) -> None:
        n_docs, n_terms = features.shape
        if n_topics > min(n_docs, n_terms):
            raise ModelError(
                f"{type(self).__name__} cannot learn model.nr_topics={n_topics} topics from "
                f"{n_docs} documents with {n_terms} terms; lower model.nr_topics to at most "
                f"{min(n_docs, n_terms)}"
            )

    def _topic_word_weights(self) -> np.ndarray:
        components = np.asarray(self.components_, dtype=np.float64)
        totals = components.sum(axis=1, keepdims=True)
        return np.divide(components, totals, out=np.zeros_like(components), where=totals > 0)

    def _build_topic_table(self, assignment: TopicAssignment) -> Any:
        weights = self._topic_word_weights()
        ranking = self._keyword_ranking(weights)
        n_words = min(self.top_n_words, weights.shape[1])
        keywords: list[list[str]] = []
        keyword_weights: list[list[float]] = []
        usable = np.array([term not in self._fragments for term in self.vocabulary_])
        for row, rank in zip(weights, ranking, strict=True):
            order = np.lexsort((np.arange(row.size), -rank))
            order = order[usable[order] & (row[order] > 0)][:n_words]
            keywords.append([self.vocabulary_[i] for i in order])
            keyword_weights.append([float(row[i]) for i in order])
        representative = representative_docs(
            assignment.scores, self.labels_, self.topic_ids_, N_REPRESENTATIVE_DOCS
        )
        return make_topic_table(
            topic_ids=self.topic_ids_.tolist(),
            keywords=keywords,
            keyword_weights=keyword_weights,
            labels=self.labels_,
            representative=representative,
        )

    def _fitted_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The topic-term matrix, stop words and token pattern; subclasses add their own."""
        state = {"stop_words": list(self.stop_words_), "token_pattern": self.token_pattern_}
        return {"components": self.components_}, state

    def _restore_fitted(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        """Set what :meth:`_fitted_arrays` saved; subclasses restore their own on top."""
        self.stop_words_ = list(state["stop_words"])
        self.token_pattern_ = str(state.get("token_pattern", LEGACY_TOKEN_PATTERN))
        self.components_ = np.asarray(arrays["components"], dtype=np.float64)
