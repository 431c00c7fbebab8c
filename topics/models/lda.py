"""Latent Dirichlet Allocation on word counts: the classic bag-of-words baseline."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.utils._param_validation import StrOptions

from topics.config.schema import VectorizerConfig
from topics.models._decomposition import DecompositionTopicModel

__all__ = ["LDATopicModel"]

# Weight of a word's probability against its lift when ranking keywords
# (Sievert & Shirley 2014, LDAvis; 0.6 was preferred in their user study).
RELEVANCE_LAMBDA = 0.6


class LDATopicModel(DecompositionTopicModel):
    """Topics from scikit-learn's ``LatentDirichletAllocation`` on word counts.

    Parameters
    ----------
    nr_topics : int or None, default=None
        Number of topics; ``None`` means 20.
    top_n_words : int, default=10
        Keywords kept per topic.
    vectorizer : VectorizerConfig or None, default=None
        How words are counted; ``None`` means ``VectorizerConfig()``.
    max_iter : int, default=10
        Passes over the corpus.
    learning_method : {"batch", "online"}, default="batch"
        Batch is exact and fast enough up to ~100k abstracts.
    random_state : int or None, default=None
        Seed of the variational initialisation.

    Attributes
    ----------
    components_ : ndarray of shape (n_topics, n_terms)
        Topic-word pseudo-counts.
    exp_dirichlet_component_ : ndarray of shape (n_topics, n_terms)
        ``exp(E[log beta])``, used to infer the topics of new documents.
    doc_topic_prior_, topic_word_prior_ : float
        The Dirichlet priors actually used.
    stop_words_ : list of str
        Stop words removed before counting.

    See :class:`~topics.models.TopicModel` for ``labels_``, ``topic_table_``
    and the other shared attributes. ``transform`` scores are each document's
    topic distribution; a document with no known word gets topic ``-1``.
    Keywords are ranked by LDAvis relevance (lambda 0.6); ``keyword_weights``
    are the topic-word probabilities.

    Examples
    --------
    >>> model = LDATopicModel(nr_topics=10, random_state=0).fit(abstracts)  # doctest: +SKIP
    >>> model.topic_table_[["topic", "label", "size"]]  # doctest: +SKIP
    """

    kind: ClassVar[str] = "lda"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **DecompositionTopicModel._parameter_constraints,
        "learning_method": [StrOptions({"batch", "online"})],
    }

    def __init__(
        self,
        nr_topics: int | None = None,
        *,
        top_n_words: int = 10,
        vectorizer: VectorizerConfig | None = None,
        max_iter: int = 10,
        learning_method: str = "batch",
        random_state: int | None = None,
    ) -> None:
        self.nr_topics = nr_topics
        self.top_n_words = top_n_words
        self.vectorizer = vectorizer
        self.max_iter = max_iter
        self.learning_method = learning_method
        self.random_state = random_state

    def _make_estimator(self, n_topics: int) -> LatentDirichletAllocation:
        return LatentDirichletAllocation(
            n_components=n_topics,
            learning_method=self.learning_method,
            max_iter=self.max_iter,
            random_state=self.random_state,
        )

    def _store_estimator(self, estimator: Any) -> None:
        super()._store_estimator(estimator)
        self.exp_dirichlet_component_ = np.asarray(
            estimator.exp_dirichlet_component_, dtype=np.float64
        )
        self.doc_topic_prior_ = float(estimator.doc_topic_prior_)
        self.topic_word_prior_ = float(estimator.topic_word_prior_)

    def _keyword_ranking(self, topic_word: np.ndarray) -> np.ndarray:
        """LDAvis relevance: ranks words typical of the topic above words frequent everywhere.

        Plain probability puts "model", "data" and "based" on top of most LDA
        topics; relevance mixes in the lift ``p(w|t) / p(w)``.
        """
        topic_share = self.components_.sum(axis=1) / self.components_.sum()
        word_prob = topic_share @ topic_word
        with np.errstate(divide="ignore"):
            log_topic_word = np.log(topic_word)
            log_lift = log_topic_word - np.log(word_prob)
        return RELEVANCE_LAMBDA * log_topic_word + (1 - RELEVANCE_LAMBDA) * log_lift

    def _estimator_from_state(self) -> LatentDirichletAllocation:
        estimator = super()._estimator_from_state()
        estimator.exp_dirichlet_component_ = self.exp_dirichlet_component_
        estimator.doc_topic_prior_ = self.doc_topic_prior_
        estimator.topic_word_prior_ = self.topic_word_prior_
        return estimator

    def _doc_topic(self, features: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self._estimator_from_state().transform(features, normalize=False))

    def _fitted_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, state = super()._fitted_arrays()
        arrays = {**arrays, "exp_dirichlet_component": self.exp_dirichlet_component_}
        state = {
            **state,
            "doc_topic_prior": self.doc_topic_prior_,
            "topic_word_prior": self.topic_word_prior_,
        }
        return arrays, state

    def _restore_fitted(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        super()._restore_fitted(arrays, state)
        self.exp_dirichlet_component_ = np.asarray(
            arrays["exp_dirichlet_component"], dtype=np.float64
        )
        self.doc_topic_prior_ = float(state["doc_topic_prior"])
        self.topic_word_prior_ = float(state["topic_word_prior"])
