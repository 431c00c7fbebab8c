"""What every topic-model backend shares: the result type, the topic table, save and load.

A backend is a scikit-learn estimator over documents. ``fit`` learns topics
from texts (and, for BERTopic, their precomputed embeddings); ``transform``
assigns documents to the learnt topics and returns a :class:`TopicAssignment`.
Fitted state lives in attributes ending in ``_``; every one needed by
``transform`` is saved by :meth:`TopicModel.save`, so a loaded model assigns
documents exactly as the fitted one did.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from pydantic import BaseModel
from sklearn.base import BaseEstimator

from topics._model_files import damaged_model
from topics.errors import IncompatibleModelError, NotFittedError
from topics.models._bundle import Bundle, read_bundle, write_bundle
from topics.models._text import unique_labels

__all__ = [
    "OUTLIER_TOPIC",
    "TOPIC_TABLE_COLUMNS",
    "TopicAssignment",
    "TopicModel",
    "check_docs",
    "make_topic_table",
    "representative_docs",
]

OUTLIER_TOPIC = -1
OUTLIER_LABEL = "Outliers (no topic)"

TOPIC_TABLE_COLUMNS = (
    "topic",
    "label",
    "keywords",
    "keyword_weights",
    "size",
    "representative_docs",
    "phrases",
    "label_source",
)

N_REPRESENTATIVE_DOCS = 3


@dataclass(frozen=True, slots=True, eq=False)
class TopicAssignment:
    """Topics of a batch of documents.

    Attributes
    ----------
    topics : ndarray of shape (n_docs,), dtype int64
        Topic id per document; ``-1`` means no topic.
    confidence : ndarray of shape (n_docs,), dtype float64
        How strongly each document belongs to its topic: cosine similarity to
        the topic centroid (BERTopic) or the topic's share of the document
        (LDA, NMF).
    scores : ndarray of shape (n_docs, n_topics), dtype float64
        The score of every document for every topic, columns in ``topic_ids``
        order.
    topic_ids : ndarray of shape (n_topics,), dtype int64
        The topic id of each column of ``scores``.
    """

    topics: np.ndarray
    confidence: np.ndarray
    scores: np.ndarray
    topic_ids: np.ndarray

    def __len__(self) -> int:
        return int(self.topics.shape[0])

    @classmethod
    def from_scores(
        cls, scores: np.ndarray, topic_ids: np.ndarray, *, assigned: np.ndarray | None = None
    ) -> TopicAssignment:
        """Each document's best-scoring topic; ``assigned=False`` rows get ``-1``."""
        scores = np.asarray(scores, dtype=np.float64)
        n_docs = scores.shape[0]
        if scores.shape[1] == 0:
            best = np.zeros(n_docs, dtype=np.int64)
            confidence = np.zeros(n_docs, dtype=np.float64)
            topics = np.full(n_docs, OUTLIER_TOPIC, dtype=np.int64)
        else:
            best = np.argmax(scores, axis=1)
            confidence = scores[np.arange(n_docs), best]
            topics = np.asarray(topic_ids, dtype=np.int64)[best]
        if assigned is not None:
            topics = np.where(assigned, topics, OUTLIER_TOPIC)
            confidence = np.where(assigned, confidence, 0.0)
        return cls(
            topics=topics,
            confidence=confidence,
            scores=scores,
            topic_ids=np.asarray(topic_ids, dtype=np.int64),
        )


def check_docs(docs: Sequence[str]) -> list[str]:
    """The documents as a list of strings; a clear error for anything else."""
    if isinstance(docs, str):
        raise TypeError("docs must be a sequence of strings, not a single string")
    doc_list = list(docs)
    bad = [i for i, doc in enumerate(doc_list) if not isinstance(doc, str)]
    if bad:
        first = bad[0]
        raise TypeError(
            f"docs must be strings; docs[{first}] is {type(doc_list[first]).__name__} "
            f"({len(bad)} non-string documents)"
        )
    return doc_list


def representative_docs(
    scores: np.ndarray, labels: np.ndarray, topic_ids: np.ndarray, n_docs: int
) -> list[list[int]]:
    """Per topic, the member documents with the highest score for it, best first.

    Ties are broken by document index so that the choice is deterministic.
    """
    chosen: list[list[int]] = []
    for column, topic in enumerate(topic_ids):
        members = np.flatnonzero(labels == topic)
        order = np.lexsort((members, -scores[members, column]))
        chosen.append([int(i) for i in members[order[:n_docs]]])
    return chosen


def make_topic_table(
    *,
    topic_ids: Sequence[int],
    keywords: Sequence[Sequence[str]],
    keyword_weights: Sequence[Sequence[float]],
    labels: np.ndarray,
    representative: Sequence[Sequence[int]],
    outlier_keywords: tuple[list[str], list[float]] | None = None,
) -> pd.DataFrame:
    """The topic table: one row per topic, the outlier row (``-1``) first if any doc has it."""
    sizes = {int(t): int(n) for t, n in zip(*np.unique(labels, return_counts=True), strict=True)}
    names = unique_labels(topic_ids, keywords)
    rows = [
        {
            "topic": int(topic),
            "label": name,
            "keywords": list(words),
            "keyword_weights": [float(w) for w in weights],
            "size": sizes.get(int(topic), 0),
            "representative_docs": list(docs),
            "phrases": [],
            "label_source": "keywords",
        }
        for topic, name, words, weights, docs in zip(
            topic_ids, names, keywords, keyword_weights, representative, strict=True
        )
    ]
    n_outliers = sizes.get(OUTLIER_TOPIC, 0)
    if n_outliers:
        words, weights = outlier_keywords or ([], [])
        outlier_row = {
            "topic": OUTLIER_TOPIC,
            "label": OUTLIER_LABEL,
            "keywords": list(words),
            "keyword_weights": [float(w) for w in weights],
            "size": n_outliers,
            "representative_docs": [],
            "phrases": [],
            "label_source": "outliers",
        }
        rows.insert(0, outlier_row)
    table = pd.DataFrame(rows, columns=list(TOPIC_TABLE_COLUMNS))
    return table.astype({"topic": "int64", "size": "int64"})


class TopicModel(BaseEstimator, ABC):
    """Base class of the topic-model backends; not used directly.

    Subclasses set ``kind`` (the name used in configs and saved models), list
    their config-section parameters in ``_config_params`` so that ``load`` can
    rebuild them, and implement ``fit``, ``transform`` and the two state hooks
    ``_fitted_arrays`` / ``_restore_fitted``.

    Attributes
    ----------
    labels_ : ndarray of shape (n_train_docs,)
        Topic of each training document, ``-1`` for none.
    topic_table_ : DataFrame
        One row per topic with columns ``topic``, ``label``, ``keywords``,
        ``keyword_weights``, ``size``, ``representative_docs`` (indices of
        training documents), ``phrases`` (the label phrases, when a pipeline
        run named the topics; see :mod:`topics.models.labels`) and
        ``label_source`` (``keywords``, ``phrases``, ``user`` or ``outliers``).
    topic_ids_ : ndarray of shape (n_topics,)
        Ids of the real topics (never ``-1``), the columns of ``scores``.
    n_topics_ : int
        Number of real topics.
    vocabulary_ : list of str
        The terms keywords are drawn from.
    outlier_share_ : float
        Share of training documents without a topic before outlier reduction.
    final_outlier_share_ : float
        Share of training documents without a topic in ``labels_``.
    """

    kind: ClassVar[str] = ""
    _config_params: ClassVar[dict[str, type[BaseModel]]] = {}

    @abstractmethod
    def fit(self, docs: Sequence[str], y: None = None, *, embeddings: Any = None) -> Self:
        """Learn topics from ``docs`` (and their embeddings, for BERTopic)."""

    @abstractmethod
    def transform(self, docs: Sequence[str], *, embeddings: Any = None) -> TopicAssignment:
        """Assign documents to the learnt topics."""

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "topic_table_")

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet: call fit() first, "
                f"or load a saved model with {type(self).__name__}.load(directory)"
            )

    # Saving and loading -------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Save the fitted model to ``directory`` (replaced whole if it exists).

        Returns
        -------
        Path
            The model directory.
        """
        self._check_fitted()
        arrays, state = self._fitted_arrays()
        arrays = {
            **arrays,
            "labels": np.asarray(self.labels_, dtype=np.int64),
            "topic_ids": np.asarray(self.topic_ids_, dtype=np.int64),
        }
        state = {
            **state,
            "outlier_share": float(self.outlier_share_),
            "final_outlier_share": float(self.final_outlier_share_),
        }
        return write_bundle(
            Path(directory),
            kind=self.kind,
            estimator_class=type(self).__name__,
            params=self.get_params(deep=False),
            state=state,
            topic_table=self.topic_table_,
            vocabulary=list(self.vocabulary_),
            arrays=arrays,
        )

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        """Load a model saved by :meth:`save`.

        Raises
        ------
        IncompatibleModelError
            If the model was saved by an incompatible version, or is of another kind.
        """
        bundle = read_bundle(Path(directory), table_columns=TOPIC_TABLE_COLUMNS)
        if bundle.kind != cls.kind:
            raise IncompatibleModelError(
                f"{directory}: the saved model is of kind {bundle.kind!r}, not {cls.kind!r}; "
                f"load it with topics.models.load_topic_model()"
            )
        return cls._from_bundle(bundle)

    @classmethod
    def _from_bundle(cls, bundle: Bundle) -> Self:
        """Rebuild the model; saved data that does not fit is a ModelError naming model.json."""
        with damaged_model(bundle.meta_path):
            return cls._rebuild(bundle)

    @classmethod
    def _rebuild(cls, bundle: Bundle) -> Self:
        params = dict(bundle.params)
        for name, section in cls._config_params.items():
            if params.get(name) is not None:
                params[name] = section.model_validate(params[name])
        known = cls._get_param_names()
        model = cls(**{name: value for name, value in params.items() if name in known})
        model.labels_ = np.asarray(bundle.arrays["labels"], dtype=np.int64)
        model.topic_ids_ = np.asarray(bundle.arrays["topic_ids"], dtype=np.int64)
        model.n_topics_ = len(model.topic_ids_)
        model.topic_table_ = bundle.topic_table
        model.vocabulary_ = bundle.vocabulary
        model.outlier_share_ = float(bundle.state["outlier_share"])
        model.final_outlier_share_ = float(bundle.state["final_outlier_share"])
        model._restore_fitted(bundle.arrays, bundle.state)
        return model

    @abstractmethod
    def _fitted_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The backend's fitted arrays and JSON-able scalars, beyond the shared ones."""

    @abstractmethod
    def _restore_fitted(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        """Set the backend's fitted attributes from what ``_fitted_arrays`` saved."""
