"""A torch-free embedding backend: TF-IDF, truncated SVD (LSA), then L2 normalisation.

It exists for machines without torch and for fast baselines. Unlike a
pretrained model it is fitted on the corpus, so it is saved and loaded with
the corpus' model: the vocabulary and idf go to JSON and the SVD components to
safetensors (never pickle). Everything the transform depends on, the stop-word
list and tokenisation settings included, is saved too, so a loaded embedder
gives bit-identical vectors even under a scikit-learn with a different
built-in stop-word list.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from numbers import Integral
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from safetensors.numpy import save
from sklearn.base import BaseEstimator, _fit_context
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.utils._param_validation import Interval

from topics._io import atomic_write_bytes
from topics._model_files import model_file, read_model_json, read_safetensors
from topics.errors import IncompatibleModelError, ModelError, NotFittedError

__all__ = ["TfidfSvdEmbedder", "adaptive_min_df"]

_VOCABULARY_FILE = "tfidf_vocabulary.json"
_COMPONENTS_FILE = "svd_components.safetensors"
# Caps the saved components at n_components x 32768 float32 (32 MB at 256
# components) however large the corpus; rarer n-grams add little to LSA.
_MAX_FEATURES = 2**15
_MIN_DF_STEPS = ((100, 1), (2_000, 2), (20_000, 3))
_VECTORIZER_SETTINGS: dict[str, Any] = {
    "lowercase": True,
    "token_pattern": r"(?u)\b\w\w+\b",
    "ngram_range": [1, 2],
    "sublinear_tf": True,
    "norm": "l2",
}


def adaptive_min_df(n_documents: int) -> int:
    """Minimum document frequency of a term: 1, 2, 3 or 5 as the corpus grows.

    A fixed ``min_df`` either empties the vocabulary of a 20-abstract corpus or
    keeps a long tail of one-off bigrams (which LSA cannot use, and which make
    the SVD slow) in a large one.
    """
    for limit, min_df in _MIN_DF_STEPS:
        if n_documents < limit:
            return min_df
    return 5


class TfidfSvdEmbedder(BaseEstimator):
    """Latent semantic analysis embedder fitted on the corpus.

    Parameters
    ----------
    n_components : int, default=256
        Requested vector size; fewer if the corpus has fewer documents or terms.
    random_state : int, default=42
        Seed of the randomized SVD and of the fitting sample.
    max_fit_samples : int or None, default=50_000
        The vocabulary, idf and SVD basis are learnt from a seeded sample of at
        most this many texts (all of them when None). On the 196k-paper archive
        fitting on everything took minutes on 2 cores, and a 50k sample already
        fixes a 32k-term vocabulary; every text is still encoded.

    Attributes
    ----------
    terms_ : list of str
        Vocabulary, in column order.
    idf_ : ndarray of shape (n_terms,), float32
        Inverse document frequency of each term.
    components_ : ndarray of shape (n_components_, n_terms), float32
        SVD basis; a text's vector is its TF-IDF row times ``components_.T``.
    n_components_ : int
        Vector size actually used.
    min_df_ : int
        Minimum document frequency used (see :func:`adaptive_min_df`).
    stop_words_ : list of str
        Stop words removed before n-grams are formed.
    vectorizer_settings_ : dict
        Tokenisation and weighting settings of the TF-IDF step.

    Examples
    --------
    >>> embedder = TfidfSvdEmbedder(n_components=2).fit(
    ...     ["graph neural networks", "neural networks for graphs", "protein folding"]
    ... )
    >>> embedder.encode(["graph networks"]).shape
    (1, 2)
    """

    backend: ClassVar[str] = "tfidf-svd"
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "max_fit_samples": [Interval(Integral, 2, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        n_components: int = 256,
        random_state: int = 42,
        max_fit_samples: int | None = 50_000,
    ) -> None:
        self.n_components = n_components
        self.random_state = random_state
        self.max_fit_samples = max_fit_samples

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, texts: Sequence[str], y: None = None) -> Self:
        """Learn the vocabulary, idf and SVD basis from ``texts``.

        Raises
        ------
        ModelError
            If fewer than 2 texts are given or no term survives stop-word removal.
        """
        if len(texts) < 2:
            raise ModelError(f"tfidf-svd needs at least 2 texts to fit; got {len(texts)}.")
        texts = self._fitting_sample(texts)
        min_df = adaptive_min_df(len(texts))
        vectorizer = _make_vectorizer(
            _VECTORIZER_SETTINGS, sorted(ENGLISH_STOP_WORDS), min_df=min_df
        )
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError as error:  # scikit-learn: "empty vocabulary"
            raise ModelError(
                f"tfidf-svd cannot fit on these {len(texts)} texts: {error}"
            ) from error
        n_components = max(1, min(self.n_components, matrix.shape[0] - 1, matrix.shape[1] - 1))
        svd = TruncatedSVD(n_components, random_state=self.random_state).fit(matrix)
        terms = vectorizer.get_feature_names_out().tolist()
        self._set_state(
            terms=terms,
            idf=vectorizer.idf_.astype(np.float32),
            components=svd.components_.astype(np.float32),
            stop_words=sorted(ENGLISH_STOP_WORDS),
            min_df=min_df,
            vectorizer_settings=_VECTORIZER_SETTINGS,
        )
        return self

    def _fitting_sample(self, texts: Sequence[str]) -> Sequence[str]:
        if self.max_fit_samples is None or len(texts) <= self.max_fit_samples:
            return texts
        rng = np.random.default_rng(self.random_state)
        chosen = np.sort(rng.choice(len(texts), size=self.max_fit_samples, replace=False))
        return [texts[i] for i in chosen]

    @property
    def identity(self) -> str:
        """``tfidf-svd|sha256=<hash of the saved state>``; needs a fitted embedder."""
        self._check_fitted()
        return self._identity

    @property
    def dim(self) -> int:
        self._check_fitted()
        return int(self.n_components_)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Embed ``texts`` into float32 rows of unit length.

        A text that shares no term with the vocabulary gets an all-zero row, the
        only row that is not unit length. Each row depends on its text alone, so
        ``batch_size`` and ``show_progress`` only exist to match the protocol.
        """
        self._check_fitted()
        matrix = self._vectorizer.transform(list(texts))
        vectors = np.asarray(matrix @ self.components_.T, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

    def plan_batches(self, texts: Sequence[str], batch_size: int) -> list[list[int]]:
        """Consecutive chunks of ``batch_size`` indices: a row depends on its text alone."""
        return [
            list(range(start, min(start + batch_size, len(texts))))
            for start in range(0, len(texts), batch_size)
        ]

    def bundle_settings(self, directory: Path) -> dict[str, Any]:
        """Write the fitted state next to ``embedder.json`` and return its settings."""
        self._check_fitted()
        vocabulary_json, components_bytes = self._state_bytes()
        atomic_write_bytes(directory / _VOCABULARY_FILE, vocabulary_json)
        atomic_write_bytes(directory / _COMPONENTS_FILE, components_bytes)
        return self._settings()

    @classmethod
    def from_bundle(cls, directory: Path, settings: dict[str, Any], identity: str) -> Self:
        """Load a fitted embedder written by :meth:`bundle_settings`."""
        vocabulary = read_model_json(model_file(directory, _VOCABULARY_FILE))
        components = read_safetensors(
            model_file(directory, _COMPONENTS_FILE), required=("components",)
        )["components"]
        embedder = cls(n_components=settings["n_components"], random_state=settings["random_state"])
        embedder._set_state(
            terms=vocabulary["terms"],
            idf=np.asarray(vocabulary["idf"], dtype=np.float32),
            components=components,
            stop_words=settings["stop_words"],
            min_df=settings["min_df"],
            vectorizer_settings=settings["vectorizer"],
        )
        if embedder.identity != identity:
            raise IncompatibleModelError(
                f"The tfidf-svd files in {directory} do not match embedder.json: expected "
                f"{identity!r}, found {embedder.identity!r}. The bundle was modified or mixed."
            )
        return embedder

    def _set_state(
        self,
        *,
        terms: list[str],
        idf: np.ndarray,
        components: np.ndarray,
        stop_words: list[str],
        min_df: int,
        vectorizer_settings: dict[str, Any],
    ) -> None:
        """Set fitted attributes; fit and load both go through here so they encode alike."""
        self.terms_ = terms
        self.idf_ = idf
        self.components_ = np.ascontiguousarray(components, dtype=np.float32)
        self.stop_words_ = stop_words
        self.min_df_ = min_df
        self.vectorizer_settings_ = dict(vectorizer_settings)
        self.n_components_ = self.components_.shape[0]
        vectorizer = _make_vectorizer(vectorizer_settings, stop_words, vocabulary=terms)
        vectorizer.idf_ = idf
        self._vectorizer = vectorizer
        vocabulary_json, components_bytes = self._state_bytes()
        digest = hashlib.sha256()
        for part in (json.dumps(self._settings(), sort_keys=True).encode(), vocabulary_json):
            digest.update(hashlib.sha256(part).digest())
        digest.update(hashlib.sha256(components_bytes).digest())
        self._identity = f"tfidf-svd|sha256={digest.hexdigest()}"

    def _settings(self) -> dict[str, Any]:
        return {
            "n_components": self.n_components,
            "random_state": self.random_state,
            "min_df": self.min_df_,
            "stop_words": self.stop_words_,
            "vectorizer": self.vectorizer_settings_,
        }

    def _state_bytes(self) -> tuple[bytes, bytes]:
        vocabulary = {"terms": self.terms_, "idf": [float(value) for value in self.idf_]}
        vocabulary_json = json.dumps(vocabulary, ensure_ascii=False).encode("utf-8")
        components_bytes = save({"components": self.components_})
        return vocabulary_json, components_bytes

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise NotFittedError(
                "This TfidfSvdEmbedder is not fitted yet: call fit(texts) on the corpus "
                "before encode() or identity."
            )


def _make_vectorizer(
    settings: dict[str, Any],
    stop_words: list[str],
    *,
    min_df: int = 1,
    vocabulary: list[str] | None = None,
) -> TfidfVectorizer:
    """Build the vectorizer from saved settings (JSON turns the n-gram tuple into a list)."""
    settings = {**settings, "ngram_range": tuple(settings["ngram_range"])}
    return TfidfVectorizer(
        stop_words=stop_words,
        min_df=min_df,
        max_features=None if vocabulary is not None else _MAX_FEATURES,
        vocabulary=vocabulary,
        dtype=np.float32,
        **settings,
    )
