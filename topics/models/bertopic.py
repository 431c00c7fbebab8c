"""BERTopic: clusters of document embeddings, described by class-based TF-IDF.

``fit`` runs BERTopic's pipeline (UMAP, HDBSCAN, c-TF-IDF, optional topic
reduction, outlier reduction, MMR or KeyBERT-inspired keywords) on embeddings
computed by the embedding stage. BERTopic never gets an embedding model of its
own: :mod:`topics.models._term_vectors` gives it word vectors from the corpus.

With the default settings the steps run without a ``BERTopic`` object, each
once: UMAP and HDBSCAN as BERTopic calls them, while a second process counts
the words (:mod:`topics.models._counting`; a seeded UMAP leaves a core idle),
BERTopic's outlier rule, then c-TF-IDF and MMR keywords computed once for the
final topics from that one count matrix (:mod:`topics.models._ctfidf`).
BERTopic's ``fit_transform`` followed by ``reduce_outliers`` and
``update_topics`` counted the corpus three times and computed c-TF-IDF and
keywords twice, which made our fit 1.45 times plain BERTopic's at 50k
abstracts. Topic reduction (``nr_topics``), the ``distributions`` outlier rule
and KeyBERT need BERTopic's own state and still run through a BERTopic object,
given our UMAP and HDBSCAN results so that neither runs twice.

``transform`` does not use UMAP or HDBSCAN. It assigns a document to the topic
whose centroid (mean training embedding) is most similar to the document's
embedding. Centroids are a small array that saves exactly, while a saved UMAP
or HDBSCAN would need pickle; so a loaded model assigns documents exactly as
the model that was fitted in this process.

Defaults that differ from a bare ``BERTopic()``, and why:

* HDBSCAN's ``min_cluster_size`` follows the corpus size, ``min_samples`` is
  at most 5 and clusters are selected as leaves, unless the config sets these
  keys (see :mod:`topics.models._clustering`): BERTopic's fixed settings give
  a handful of unstable topics on 300 abstracts and 160-220 fragments on
  10,000.
* Words are counted with our vectorizer (English stop words, 1-2-grams, a
  vocabulary learnt per document) and c-TF-IDF uses
  ``reduce_frequent_words=True``, which damps words frequent in every topic.
* Outliers are reassigned (``outliers.strategy``) so that the report does not
  hide a third of the corpus in topic ``-1``; the share before and after is
  kept in ``outlier_share_`` and ``final_outlier_share_``.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
from collections.abc import Iterator, Sequence
from numbers import Integral
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
from sklearn.base import _fit_context
from sklearn.preprocessing import normalize
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from topics._machine import available_cores
from topics.config.schema import HdbscanConfig, OutlierConfig, UmapConfig, VectorizerConfig
from topics.errors import ModelError
from topics.models._base import (
    N_REPRESENTATIVE_DOCS,
    OUTLIER_TOPIC,
    TopicAssignment,
    TopicModel,
    check_docs,
    make_topic_table,
    representative_docs,
)
from topics.models._bundle import csr_from_arrays, csr_to_arrays
from topics.models._clustering import resolve_hdbscan_params
from topics.models._counting import count_terms_alongside
from topics.models._ctfidf import (
    class_tfidf,
    mmr_keywords,
    nearest_topic,
    top_candidates,
    topic_term_counts,
)
from topics.models._term_vectors import TermVectors, WordEmbedder, as_bertopic_embedder
from topics.models._text import build_vectorizer, keyword_fragments, resolve_stop_words

__all__ = ["BERTopicModel"]

log = logging.getLogger(__name__)

MMR_DIVERSITY = 0.3
# From this many documents on, BERTopic's own step log is shown (unless -q).
_VERBOSE_FROM = 20_000


class BERTopicModel(TopicModel):
    """Topics from BERTopic on precomputed document embeddings.

    Parameters
    ----------
    nr_topics : int, "auto" or None, default=None
        Merge similar topics down to this number (BERTopic ``reduce_topics``);
        ``None`` keeps what HDBSCAN finds.
    top_n_words : int, default=10
        Keywords kept per topic.
    representation : {"mmr", "c-tf-idf", "keybert"}, default="mmr"
        ``c-tf-idf``: the top c-TF-IDF terms. ``mmr``: the top 30 c-TF-IDF
        terms re-selected for diversity (maximal marginal relevance, diversity
        0.3). ``keybert``: the top 100 c-TF-IDF terms ranked by similarity to
        the topic's representative documents; with the default corpus term
        vectors rare phrases of those documents can rank high, so pass
        ``word_embedder`` (the sentence encoder) for KeyBERT proper.
    umap, hdbscan, vectorizer, outliers : config sections or None
        Settings; ``None`` means the section's defaults.
    umap_model : object with ``fit`` and ``transform``, optional
        Replaces the UMAP built from ``umap`` (e.g. a no-op to skip the step).
    hdbscan_model : object with ``fit`` and ``labels_``, optional
        Replaces the HDBSCAN built from ``hdbscan``.
    word_embedder : callable, optional
        ``list[str] -> array`` embedding keywords for MMR and KeyBERT, in the
        same space as the document embeddings. Default: term vectors from the
        corpus (see :mod:`topics.models._term_vectors`).
    random_state : int or None, default=None
        Seed of UMAP and of BERTopic's document sampling. With a seed UMAP
        runs on one thread and ``fit`` is deterministic.

    Attributes
    ----------
    topic_embeddings_ : ndarray of shape (n_topics, dim)
        L2-normalised mean embedding of each topic's training documents.
    c_tf_idf_ : sparse matrix of shape (n_topics, n_terms)
        c-TF-IDF weights per topic, rows in ``topic_ids_`` order.
    hdbscan_params_ : dict
        The HDBSCAN settings used (see :func:`resolve_hdbscan_params`).
    fit_seconds_, fit_cpu_seconds_ : dict of str to float
        Wall and CPU seconds of each fitting step (``umap``, ``hdbscan``,
        ``vocabulary``, ``ctfidf``, ``keywords``, ...). ``vocabulary`` is the
        counting pass wherever it ran; when ``fit_counted_in_background_`` it
        ran alongside UMAP and ``vocabulary_wait`` is what the fit waited for it.
    stop_words_ : list of str
        Stop words removed before counting.

    See :class:`~topics.models.TopicModel` for ``labels_``, ``topic_table_``,
    ``outlier_share_`` and the other shared attributes.

    Examples
    --------
    >>> model = BERTopicModel(random_state=42).fit(abstracts, embeddings=vectors)  # doctest: +SKIP
    >>> model.transform(new_abstracts, embeddings=new_vectors).topics  # doctest: +SKIP
    """

    kind: ClassVar[str] = "bertopic"
    _config_params: ClassVar[dict[str, Any]] = {
        "umap": UmapConfig,
        "hdbscan": HdbscanConfig,
        "vectorizer": VectorizerConfig,
        "outliers": OutlierConfig,
    }
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "nr_topics": [Interval(Integral, 2, None, closed="left"), StrOptions({"auto"}), None],
        "top_n_words": [Interval(Integral, 1, None, closed="left")],
        "representation": [StrOptions({"c-tf-idf", "mmr", "keybert"})],
        "umap": [UmapConfig, None],
        "hdbscan": [HdbscanConfig, None],
        "vectorizer": [VectorizerConfig, None],
        "outliers": [OutlierConfig, None],
        "umap_model": [HasMethods(["fit", "transform"]), None],
        "hdbscan_model": [HasMethods(["fit"]), None],
        "word_embedder": [callable, None],
        "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both"), None],
    }

    def __init__(
        self,
        nr_topics: int | str | None = None,
        *,
        top_n_words: int = 10,
        representation: str = "mmr",
        umap: UmapConfig | None = None,
        hdbscan: HdbscanConfig | None = None,
        vectorizer: VectorizerConfig | None = None,
        outliers: OutlierConfig | None = None,
        umap_model: Any = None,
        hdbscan_model: Any = None,
        word_embedder: WordEmbedder | None = None,
        random_state: int | None = None,
    ) -> None:
        self.nr_topics = nr_topics
        self.top_n_words = top_n_words
        self.representation = representation
        self.umap = umap
        self.hdbscan = hdbscan
        self.vectorizer = vectorizer
        self.outliers = outliers
        self.umap_model = umap_model
        self.hdbscan_model = hdbscan_model
        self.word_embedder = word_embedder
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, docs: Sequence[str], y: None = None, *, embeddings: Any = None) -> Self:
        """Learn topics from documents and their embeddings.

        Parameters
        ----------
        docs : sequence of str
            Training documents.
        y : None
            Ignored; present for scikit-learn compatibility.
        embeddings : array-like of shape (n_docs, dim)
            Document embeddings from the embedding stage. Required.

        Returns
        -------
        self

        Raises
        ------
        ModelError
            If the corpus is too small or HDBSCAN finds no topic.
        """
        doc_list = check_docs(docs)
        vectors = _check_embeddings(embeddings, len(doc_list))
        vec_config = self.vectorizer or VectorizerConfig()
        self.hdbscan_params_ = resolve_hdbscan_params(
            self.hdbscan or HdbscanConfig(), len(doc_list)
        )
        self._check_corpus_size(len(doc_list))
        self.stop_words_ = resolve_stop_words(vec_config)
        timer = _StageTimer()
        # Words are counted in a second process while the seeded, one-core UMAP runs.
        with count_terms_alongside(doc_list, vec_config, self.stop_words_) as counting:
            with timer("umap"):
                reduced = self._reduce_dimensionality(vectors)
            with timer("hdbscan"):
                clustered = self._cluster(reduced)
            self.outlier_share_ = float(np.mean(clustered == OUTLIER_TOPIC))
            if not np.any(clustered != OUTLIER_TOPIC):
                raise ModelError(self._no_topic_message(len(doc_list)))
            with timer("vocabulary_wait"):
                self.vocabulary_, counts = counting.result()
        timer.record("vocabulary", counting.seconds, counting.cpu_seconds)
        with timer("keyword_fragments"):
            self._fragments = keyword_fragments(self.vocabulary_, counts)
        with timer("term_vectors"):
            term_vectors = TermVectors(
                doc_list,
                vectors,
                counts,
                self.vocabulary_,
                analyzer=self._vectorizer().build_analyzer(),
                word_embedder=self.word_embedder,
            )
        if self._needs_bertopic_object():
            with timer("bertopic_steps"):
                c_tf_idf, words = self._fit_with_bertopic(
                    doc_list, vectors, reduced, clustered, term_vectors
                )
        else:
            with timer("outlier_reduction"):
                reduced_labels = self._reduce_outliers_directly(clustered, vectors, counts)
            self.labels_ = _renumber_by_size(reduced_labels)
            with timer("ctfidf"):
                rows = np.array(sorted(set(self.labels_.tolist())), dtype=np.int64)
                _, c_tf_idf = class_tfidf(topic_term_counts(counts, self.labels_, rows))
            with timer("keywords"):
                words = self._keywords(c_tf_idf, rows, term_vectors)
        self.final_outlier_share_ = float(np.mean(self.labels_ == OUTLIER_TOPIC))
        with timer("topic_table"):
            self._store_topics(c_tf_idf, words, vectors)
        self.fit_seconds_ = timer.seconds
        self.fit_cpu_seconds_ = timer.cpu_seconds
        self.fit_counted_in_background_ = counting.background
        return self

    def transform(self, docs: Sequence[str], *, embeddings: Any = None) -> TopicAssignment:
        """Assign each document to the topic with the most similar centroid.

        The same rule before and after :meth:`save`/:meth:`load`. For the
        training documents it agrees with ``labels_`` (HDBSCAN's clusters plus
        outlier reduction) for about 88-97% of them on the benchmark corpora;
        the rest lie between topics.

        Parameters
        ----------
        docs : sequence of str
            Documents to assign (only their number is checked).
        embeddings : array-like of shape (n_docs, dim)
            Their embeddings, from the same embedding model as in ``fit``.

        Returns
        -------
        TopicAssignment
            Topic, cosine similarity to its centroid, and the similarity to
            every topic.
        """
        self._check_fitted()
        doc_list = check_docs(docs)
        vectors = _check_embeddings(embeddings, len(doc_list), dim=self.topic_embeddings_.shape[1])
        return self._assign(vectors)

    # Fitting steps --------------------------------------------------------

    def _check_corpus_size(self, n_docs: int) -> None:
        n_components = (self.umap or UmapConfig()).n_components
        min_cluster_size = self.hdbscan_params_["min_cluster_size"]
        needed = max(2 * min_cluster_size, n_components + 2)
        if n_docs < needed:
            raise ModelError(
                f"BERTopicModel needs at least {needed} documents with "
                f"min_cluster_size={min_cluster_size} and umap n_components="
                f"{n_components}; got {n_docs}. Use kind 'lda' or 'nmf' for tiny corpora."
            )

    def _no_topic_message(self, n_docs: int) -> str:
        return (
            f"HDBSCAN found no topic in {n_docs} documents with min_cluster_size="
            f"{self.hdbscan_params_['min_cluster_size']}: every document is an outlier. Lower "
            f"model.hdbscan.min_cluster_size or model.hdbscan.min_samples."
        )

    def _vectorizer(self) -> Any:
        return build_vectorizer(
            self.vectorizer or VectorizerConfig(),
            stop_words=self.stop_words_,
            vocabulary=self.vocabulary_,
        )

    def _reduce_dimensionality(self, vectors: np.ndarray) -> np.ndarray:
        """UMAP coordinates of the documents, called as BERTopic calls its ``umap_model``."""
        model = self._umap_model(vectors.shape[0])
        log.info("UMAP: reducing %d embeddings of %d dimensions", *vectors.shape)
        if hasattr(model, "fit_transform"):
            reduced = model.fit_transform(vectors)
        else:
            model.fit(vectors)
            reduced = model.transform(vectors)
        return np.nan_to_num(np.asarray(reduced))

    def _cluster(self, reduced: np.ndarray) -> np.ndarray:
        log.info("HDBSCAN: clustering %d points", reduced.shape[0])
        model = self._hdbscan_model()
        try:
            model.fit(reduced)
        finally:
            _release_joblib_workers()
        return np.asarray(model.labels_, dtype=np.int64)

    def _needs_bertopic_object(self) -> bool:
        """Topic reduction, the ``distributions`` outlier rule and KeyBERT use BERTopic's state.

        They run through a BERTopic object as before (given our UMAP and
        HDBSCAN results, which are not computed again) and cost its extra
        vectorizer passes; the defaults take the direct path.
        """
        strategy = (self.outliers or OutlierConfig()).strategy
        return (
            self.nr_topics is not None
            or strategy == "distributions"
            or self.representation == "keybert"
        )

    def _reduce_outliers_directly(
        self, labels: np.ndarray, vectors: np.ndarray, counts: sp.csr_matrix
    ) -> np.ndarray:
        """BERTopic's ``reduce_outliers`` (``embeddings`` or ``c-tf-idf``) without the object.

        ``embeddings``: the outlier's nearest cluster centroid (mean embedding);
        ``c-tf-idf``: the cluster whose c-TF-IDF row is most similar to the
        outlier's c-TF-IDF; either only at ``threshold`` similarity or more.
        """
        config = self.outliers or OutlierConfig()
        outliers = np.flatnonzero(labels == OUTLIER_TOPIC)
        if config.strategy == "none" or not len(outliers):
            return labels
        topics = np.array(sorted(set(labels.tolist()) - {OUTLIER_TOPIC}), dtype=np.int64)
        if config.strategy == "embeddings":
            topic_rows: Any = np.vstack([vectors[labels == t].mean(axis=0) for t in topics])
            doc_rows: Any = vectors[outliers]
        else:
            rows = np.array(sorted(set(labels.tolist())), dtype=np.int64)
            ctfidf_model, c_tf_idf = class_tfidf(topic_term_counts(counts, labels, rows))
            topic_rows = c_tf_idf[rows != OUTLIER_TOPIC]
            doc_rows = ctfidf_model.transform(counts[outliers])
        reduced = labels.copy()
        reduced[outliers] = nearest_topic(doc_rows, topic_rows, topics, config.threshold)
        return reduced

    def _keywords(
        self, c_tf_idf: sp.csr_matrix, rows: np.ndarray, term_vectors: TermVectors
    ) -> dict[int, tuple[list[str], list[float]]]:
        """Keywords of each row of ``c_tf_idf``: its top terms, re-selected by MMR if asked."""
        # More than kept: fragments ("monte" of "monte carlo") are dropped after.
        n_words = 2 * self.top_n_words
        candidates = top_candidates(c_tf_idf, self.vocabulary_, n_words)
        words = {}
        for topic, pairs in zip(rows.tolist(), candidates, strict=True):
            if self.representation == "mmr":
                pairs = mmr_keywords(
                    pairs, term_vectors.embed, diversity=MMR_DIVERSITY, top_n=n_words
                )
            else:
                pairs = pairs[:n_words]
            words[int(topic)] = _clean_keywords(pairs, self._fragments, self.top_n_words)
        return words

    def _fit_with_bertopic(
        self,
        docs: list[str],
        vectors: np.ndarray,
        reduced: np.ndarray,
        clustered: np.ndarray,
        term_vectors: TermVectors,
    ) -> tuple[sp.csr_matrix, dict[int, tuple[list[str], list[float]]]]:
        """Topic reduction, ``distributions`` outliers or KeyBERT: BERTopic's own methods.

        BERTopic gets our UMAP coordinates and HDBSCAN labels as fixed
        stand-ins, so neither is computed twice. Returns the c-TF-IDF rows of
        ``sorted(set(labels_))`` and the keywords of those topics.
        """
        topic_model = self._build_bertopic(
            as_bertopic_embedder(term_vectors), len(docs), _Fixed(reduced), _FixedLabels(clustered)
        )
        with _quiet_third_parties():
            clustered = np.asarray(topic_model.fit_transform(docs, embeddings=vectors)[0])
            merged = self._reduce_topics(topic_model, docs, clustered)
            reduced_labels = self._reduce_outliers(topic_model, docs, merged, vectors)
            self.labels_ = _renumber_by_size(reduced_labels)
            topic_model.update_topics(
                docs,
                topics=self.labels_.tolist(),
                # More than kept: fragments ("monte" of "monte carlo") are dropped after.
                top_n_words=2 * self.top_n_words,
                vectorizer_model=self._vectorizer(),
                ctfidf_model=_class_tfidf(),
                representation_model=self._representation_model(),
            )
        words = {
            int(t): _clean_keywords(ws, self._fragments, self.top_n_words)
            for t, ws in topic_model.topic_representations_.items()
        }
        return sp.csr_matrix(topic_model.c_tf_idf_), words

    def _build_bertopic(
        self, embedder: Any, n_docs: int, umap_model: Any, hdbscan_model: Any
    ) -> Any:
        from bertopic import BERTopic

        return BERTopic(
            embedding_model=embedder,
            umap_model=umap_model,
            hdbscan_model=hdbscan_model,
            vectorizer_model=self._vectorizer(),
            ctfidf_model=_class_tfidf(),
            top_n_words=self.top_n_words,
            calculate_probabilities=False,
            # Large fits take minutes: BERTopic then logs each step as it starts.
            verbose=n_docs >= _VERBOSE_FROM
            and logging.getLogger("topics").isEnabledFor(logging.INFO),
        )

    def _umap_model(self, n_docs: int) -> Any:
        if self.umap_model is not None:
            return copy.deepcopy(self.umap_model)
        from topics.models._umap import SampledUMAP

        config = self.umap or UmapConfig()
        return SampledUMAP(
            max_fit_samples=config.max_fit_samples,
            random_state=self.random_state,
            n_epochs=config.n_epochs,
            n_neighbors=min(config.n_neighbors, n_docs - 1),
            n_components=config.n_components,
            min_dist=config.min_dist,
            metric=config.metric,
            low_memory=config.low_memory,
            n_jobs=1 if self.random_state is not None else -1,
        )

    def _hdbscan_model(self) -> Any:
        if self.hdbscan_model is not None:
            return copy.deepcopy(self.hdbscan_model)
        from hdbscan import HDBSCAN

        return HDBSCAN(
            **self.hdbscan_params_,
            metric="euclidean",
            prediction_data=False,
            # One worker process per core (HDBSCAN's default is 4, whatever the machine).
            core_dist_n_jobs=available_cores(),
        )

    def _representation_model(self) -> Any:
        if self.representation == "mmr":
            from bertopic.representation import MaximalMarginalRelevance

            return MaximalMarginalRelevance(
                diversity=MMR_DIVERSITY, top_n_words=2 * self.top_n_words
            )
        if self.representation == "keybert":
            from bertopic.representation import KeyBERTInspired

            seed = 42 if self.random_state is None else self.random_state
            return KeyBERTInspired(top_n_words=2 * self.top_n_words, random_state=seed)
        return None

    def _reduce_topics(self, topic_model: Any, docs: list[str], labels: np.ndarray) -> np.ndarray:
        """Merge similar topics down to ``nr_topics`` real topics (or ``"auto"``).

        BERTopic counts the outlier topic among its ``nr_topics``; ours counts
        real topics only, because outliers are reassigned afterwards.
        """
        if self.nr_topics is None:
            return labels
        target = self.nr_topics
        if isinstance(target, int):
            if target >= len(set(labels.tolist()) - {OUTLIER_TOPIC}):
                return labels
            target += int(np.any(labels == OUTLIER_TOPIC))
        topic_model.reduce_topics(docs, nr_topics=target)
        return np.asarray(topic_model.topics_, dtype=np.int64)

    def _reduce_outliers(
        self, topic_model: Any, docs: list[str], labels: np.ndarray, vectors: np.ndarray
    ) -> np.ndarray:
        config = self.outliers or OutlierConfig()
        if config.strategy == "none" or not np.any(labels == OUTLIER_TOPIC):
            return labels
        reduced = topic_model.reduce_outliers(
            docs,
            labels.tolist(),
            strategy=config.strategy,
            threshold=config.threshold,
            embeddings=vectors,
        )
        return np.asarray(reduced, dtype=np.int64)

    def _store_topics(
        self,
        c_tf_idf: sp.csr_matrix,
        words: dict[int, tuple[list[str], list[float]]],
        vectors: np.ndarray,
    ) -> None:
        """Keep centroids, c-TF-IDF rows and keywords.

        ``c_tf_idf`` has one row per entry of ``sorted(set(labels_))``, the
        outlier topic included when it is left; ``words`` the keywords of the
        same topics. Topic sizes and representative papers come from the final
        assignment (:meth:`transform` of the training documents, nearest
        centroid), the topic each paper gets in ``papers.csv``, not from the
        clusters the centroids were computed from: 3-12% of the papers lie
        between topics and move, and a topic's size must be one number
        everywhere. Topics are numbered by that final size.
        """
        cluster_ids = np.array(sorted(set(self.labels_.tolist()) - {OUTLIER_TOPIC}), dtype=np.int64)
        centroids = _centroids(vectors, self.labels_, cluster_ids)
        rows = sorted(set(self.labels_.tolist()))
        c_tf_idf = sp.csr_matrix(c_tf_idf)[[rows.index(int(t)) for t in cluster_ids]]
        final = TopicAssignment.from_scores(
            vectors.astype(np.float64) @ centroids.astype(np.float64).T, cluster_ids
        ).topics
        order = _order_by_size(final, cluster_ids)
        new_id = {int(cluster_ids[old]): new for new, old in enumerate(order)}
        new_id[OUTLIER_TOPIC] = OUTLIER_TOPIC
        self.labels_ = np.array([new_id[int(t)] for t in self.labels_], dtype=np.int64)
        self.topic_ids_ = np.arange(len(cluster_ids), dtype=np.int64)
        self.n_topics_ = len(self.topic_ids_)
        self.topic_embeddings_ = centroids[order]
        self.c_tf_idf_ = c_tf_idf[order]
        old_ids = [int(cluster_ids[old]) for old in order]
        assignment = self._assign(vectors)
        self.topic_table_ = make_topic_table(
            topic_ids=self.topic_ids_.tolist(),
            keywords=[words[t][0] for t in old_ids],
            keyword_weights=[words[t][1] for t in old_ids],
            labels=assignment.topics,
            representative=representative_docs(
                assignment.scores, assignment.topics, self.topic_ids_, N_REPRESENTATIVE_DOCS
            ),
            outlier_keywords=words.get(OUTLIER_TOPIC),
        )

    def _assign(self, vectors: np.ndarray) -> TopicAssignment:
        similarity = vectors.astype(np.float64) @ self.topic_embeddings_.astype(np.float64).T
        return TopicAssignment.from_scores(similarity, self.topic_ids_)

    # Saving ---------------------------------------------------------------

    def _fitted_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {
            "topic_embeddings": self.topic_embeddings_,
            **csr_to_arrays("c_tf_idf", self.c_tf_idf_),
        }
        state = {
            "stop_words": list(self.stop_words_),
            "hdbscan_params": self.hdbscan_params_,
        }
        return arrays, state

    def _restore_fitted(self, arrays: dict[str, np.ndarray], state: dict[str, Any]) -> None:
        self.topic_embeddings_ = np.asarray(arrays["topic_embeddings"], dtype=np.float32)
        self.c_tf_idf_ = csr_from_arrays("c_tf_idf", arrays)
        self.stop_words_ = list(state["stop_words"])
        self.hdbscan_params_ = dict(state["hdbscan_params"])


def _check_embeddings(embeddings: Any, n_docs: int, *, dim: int | None = None) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per document."""
    if embeddings is None:
        raise ValueError(
            "BERTopicModel needs precomputed embeddings: pass embeddings=<array of shape "
            "(n_docs, dim)> from the embedding stage; it never embeds documents itself"
        )
    vectors = np.asarray(embeddings, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != n_docs:
        raise ValueError(
            f"embeddings must have shape (n_docs, dim) = ({n_docs}, dim); got {vectors.shape}"
        )
    if dim is not None and vectors.shape[1] != dim:
        raise ValueError(
            f"embeddings have {vectors.shape[1]} dimensions but the model was fitted on {dim}; "
            f"use the embedding model the topic model was fitted with"
        )
    if not np.all(np.isfinite(vectors)):
        bad = int(np.flatnonzero(~np.isfinite(vectors).all(axis=1))[0])
        raise ValueError(f"embeddings contain NaN or infinite values (first in row {bad})")
    return normalize(vectors).astype(np.float32)


def _centroids(vectors: np.ndarray, labels: np.ndarray, topic_ids: np.ndarray) -> np.ndarray:
    means = np.vstack([vectors[labels == topic].mean(axis=0) for topic in topic_ids])
    return normalize(means).astype(np.float32)


def _order_by_size(final: np.ndarray, topic_ids: np.ndarray) -> np.ndarray:
    """Positions of ``topic_ids`` from the most to the fewest papers in ``final``; ties by id."""
    sizes = np.array([np.sum(final == t) for t in topic_ids])
    return np.lexsort((topic_ids, -sizes))


def _renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Topic ids 0, 1, ... from the largest topic down; ties by old id. ``-1`` stays."""
    topics, sizes = np.unique(labels[labels != OUTLIER_TOPIC], return_counts=True)
    order = np.lexsort((topics, -sizes))
    mapping = {int(topics[old]): new for new, old in enumerate(order)}
    mapping[OUTLIER_TOPIC] = OUTLIER_TOPIC
    return np.array([mapping[int(t)] for t in labels], dtype=np.int64)


class _StageTimer:
    """Wall and CPU seconds per fitting step, for :attr:`BERTopicModel.fit_seconds_`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.record(step, time.perf_counter() - started, time.process_time() - cpu_started)

    def record(self, step: str, seconds: float, cpu_seconds: float) -> None:
        self.seconds[step] = self.seconds.get(step, 0.0) + seconds
        self.cpu_seconds[step] = self.cpu_seconds.get(step, 0.0) + cpu_seconds


class _Fixed:
    """A ``umap_model`` for BERTopic that returns coordinates computed already."""

    def __init__(self, coordinates: np.ndarray) -> None:
        self.coordinates = coordinates

    def fit(self, vectors: Any, y: Any = None) -> _Fixed:
        return self

    def transform(self, vectors: Any) -> np.ndarray:
        return self.coordinates

    def fit_transform(self, vectors: Any, y: Any = None) -> np.ndarray:
        return self.coordinates


class _FixedLabels:
    """An ``hdbscan_model`` for BERTopic that returns clusters computed already."""

    def __init__(self, labels: np.ndarray) -> None:
        self.labels = labels

    def fit(self, points: Any, y: Any = None) -> _FixedLabels:
        self.labels_ = self.labels
        return self


def _clean_keywords(
    pairs: Sequence[tuple[str, float]], fragments: set[str], top_n: int
) -> tuple[list[str], list[float]]:
    """The first ``top_n`` keywords that are neither BERTopic's empty placeholders
    (shown when a topic has few terms) nor fragments of a longer name."""
    kept = [(word, float(score)) for word, score in pairs if word and word not in fragments]
    kept = kept[:top_n]
    return [w for w, _ in kept], [s for _, s in kept]


def _class_tfidf() -> Any:
    from bertopic.vectorizers import ClassTfidfTransformer

    return ClassTfidfTransformer(reduce_frequent_words=True)


def log_shows_progress() -> bool:
    """Whether the user asked for progress messages (the default; not with -q)."""
    return logging.getLogger("topics").isEnabledFor(logging.INFO)


class _CustomTopicsWarningFilter(logging.Filter):
    """Drops BERTopic's warning that we pass our own topic list: we do so on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Using a custom list of topic assignments" not in record.getMessage()


@contextlib.contextmanager
def _quiet_third_parties() -> Iterator[None]:
    """Silence the one BERTopic log warning that our use always triggers.

    A filter, not a log level: BERTopic resets its logger's level inside
    ``fit_transform``, and any other warning should still be seen.
    """
    logger = logging.getLogger("BERTopic")
    log_filter = _CustomTopicsWarningFilter()
    logger.addFilter(log_filter)
    try:
        yield
    finally:
        logger.removeFilter(log_filter)


def _release_joblib_workers() -> None:
    """Stop the worker processes HDBSCAN's core distances left running.

    joblib keeps them for reuse (and for 300 s when idle), each holding
    about 0.2 GB that the rest of a large run then cannot use.
    """
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)  # None: no worker was started
    if executor is not None:
        executor.shutdown(wait=True)
