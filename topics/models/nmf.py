"""Non-negative matrix factorisation of TF-IDF: a fast, sharp bag-of-words baseline."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.preprocessing import normalize
from sklearn.utils._param_validation import StrOptions

from topics.config.schema import VectorizerConfig
from topics.models._decomposition import DecompositionTopicModel

__all__ = ["NMFTopicModel"]


class NMFTopicModel(DecompositionTopicModel):
    """Topics from scikit-learn's ``NMF`` on L2-normalised TF-IDF.

    Parameters
    ----------
    nr_topics : int or None, default=None
        Number of topics; ``None`` means 20.
    top_n_words : int, default=10
        Keywords kept per topic.
    vectorizer : VectorizerConfig or None, default=None
        How words are counted; ``None`` means ``VectorizerConfig()``.
    max_iter : int, default=400
        Coordinate-descent iterations, in ``fit`` and in ``transform``.
    init : {"nndsvda", "nndsvd", "random"}, default="nndsvda"
        ``nndsvda`` is deterministic and suits sparse text.
    random_state : int or None, default=None
        Seed, used by ``init="random"`` only.

    Attributes
    ----------
    components_ : ndarray of shape (n_topics, n_terms)
        Topic-term weights (``H``).
    idf_ : ndarray of shape (n_terms,)
        Inverse document frequencies learnt from the training documents.
    stop_words_ : list of str
        Stop words removed before counting.

    See :class:`~topics.models.TopicModel` for ``labels_``, ``topic_table_``
    and the other shared attributes. ``transform`` scores are each document's
    topic weights (``W``) scaled to sum to one; a document with no known word
    gets topic ``-1``.

    Examples
    --------
    >>> model = NMFTopicModel(nr_topics=10).fit(abstracts)  # doctest: +SKIP
    >>> model.transform(new_abstracts).topics  # doctest: +SKIP
    """

    kind: ClassVar[str] = "nmf"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        **DecompositionTopicModel._parameter_constraints,
        "init": [StrOptions({"nndsvda", "nndsvd", "random"})],
    }

    def __init__(
        self,
        nr_topics: int | None = None,
        *,
        top_n_words: int = 10,
        vectorizer: VectorizerConfig | None = None,
        max_iter: int = 400,
        init: str = "nndsvda",
        random_state: int | None = None,
    ) -> None:
        self.nr_topics = nr_topics
        self.top_n_words = top_n_words
        self.vectorizer = vectorizer
        self.max_iter = max_iter
        self.init = init
        self.random_state = random_state

    def _learn_weighting(self, counts: sp.csr_matrix) -> None:
        self.idf_ = np.asarray(TfidfTransformer(smooth_idf=True).fit(counts).idf_, np.float64)

    def _weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """TF-IDF with the training IDF, rows scaled to unit length."""
        weighted = sp.csr_matrix(counts, dtype=np.float64) @ sp.diags(self.idf_)
        return sp.csr_matrix(normalize(weighted, norm="l2"))

    def _make_estimator(self, n_topics: int) -> NMF:
        return NMF(
            n_components=n_topics,
            init=self.init,
            solver="cd",
            beta_loss="frobenius",
            max_iter=self.max_iter,
            random_state=self.random_state,
        )

    def _estimator_from_state(self) -> NMF:
        estimator = super()._estimator_from_state()
        estimator.n_components_ = self.n_topics_
        return estimator

    def _doc_topic(self, features: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self._estimator_from_state().transform(features))

    def _fitted_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays, state = super()._fitted_arrays()
        return {**arrays, "idf": self.idf_}, state

    def _restore_fitted(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        super()._restore_fitted(arrays, state)
        self.idf_ = np.asarray(arrays["idf"], dtype=np.float64)
